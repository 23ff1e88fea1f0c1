import Foundation
import ShepherdCore

/// Builders for multimodal parts: media from a URL, from bytes, or from a file.
extension ContentPart {
    /// An image by URL (`https://…` or a `data:` URI).
    public static func image(url: String, detail: String? = nil) -> ContentPart {
        .imageURL(ImageURL(url: url, detail: detail))
    }

    /// An image from its bytes, sent inline as a data URI.
    public static func image(data: Data, mimeType: String = "image/png", detail: String? = nil) -> ContentPart {
        .imageURL(ImageURL(url: dataURI(data, mimeType: mimeType), detail: detail))
    }

    /// An image file (png, jpeg, gif, webp), sent inline.
    public static func image(contentsOf file: URL, detail: String? = nil) throws -> ContentPart {
        image(data: try read(file), mimeType: MediaKind.mimeType(for: file, default: "image/png"), detail: detail)
    }

    /// Audio from its bytes; `format` is wav, mp3, flac, ogg, opus, aac, m4a, pcm16 or webm.
    public static func audio(data: Data, format: String) -> ContentPart {
        .inputAudio(InputAudio(data: data.base64EncodedString(), format: format))
    }

    /// An audio file; its extension gives the format.
    public static func audio(contentsOf file: URL) throws -> ContentPart {
        audio(data: try read(file), format: file.pathExtension.lowercased().isEmpty ? "wav" : file.pathExtension.lowercased())
    }

    /// A document (PDF) or any file, sent inline as a `file` part.
    public static func document(data: Data, mimeType: String = "application/pdf", filename: String? = nil) -> ContentPart {
        .file(FileData(fileData: dataURI(data, mimeType: mimeType), filename: filename))
    }

    /// A file (PDF, video …) sent inline; its extension gives the media type.
    public static func document(contentsOf file: URL) throws -> ContentPart {
        document(
            data: try read(file), mimeType: MediaKind.mimeType(for: file, default: "application/octet-stream"),
            filename: file.lastPathComponent)
    }

    /// A video by URL (`https://…` or a `data:video/…` URI).
    public static func video(url: String) -> ContentPart { .videoURL(url: url) }

    /// A video file (mp4, webm, mov), sent inline as a `file` part.
    public static func video(contentsOf file: URL) throws -> ContentPart {
        document(data: try read(file), mimeType: MediaKind.mimeType(for: file, default: "video/mp4"), filename: file.lastPathComponent)
    }

    static func dataURI(_ data: Data, mimeType: String) -> String {
        "data:\(mimeType);base64,\(data.base64EncodedString())"
    }

    static func read(_ file: URL) throws -> Data {
        do {
            return try Data(contentsOf: file)
        } catch {
            throw ShepherdError(.invalidRequest(param: "messages"), "Cannot read \(file.path): \(error.localizedDescription)")
        }
    }
}

enum MediaKind {
    static let types: [String: String] = [
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
        "pdf": "application/pdf", "txt": "text/plain", "mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime",
        "wav": "audio/wav", "mp3": "audio/mpeg",
    ]

    static func mimeType(for file: URL, default fallback: String) -> String {
        types[file.pathExtension.lowercased()] ?? fallback
    }
}

extension ChatMessage {
    /// A user message of several parts: `.user([.text("What is this?"), .image(url: …)])`.
    public static func user(_ parts: [ContentPart]) -> ChatMessage { .init(role: .user, content: .parts(parts)) }

    /// A tool's result, answering the call `callID`.
    public static func tool(_ result: String, callID: String) -> ChatMessage {
        .init(role: .tool, content: .text(result), toolCallID: callID)
    }

    /// The assistant's turn that made tool calls, to send back with their results.
    public static func assistant(toolCalls: [ToolCall]) -> ChatMessage {
        .init(role: .assistant, content: nil, toolCalls: toolCalls)
    }
}

extension Tool {
    /// A function tool; `parameters` is its JSON Schema.
    public static func function(name: String, description: String? = nil, parameters: JSONValue? = nil) -> Tool {
        Tool(function: FunctionDefinition(name: name, description: description, parameters: parameters))
    }
}

extension ChatCompletion {
    /// The first choice's text.
    public var text: String? { choices.first?.message.content }
    /// The first choice's tool calls (empty when it called none).
    public var toolCalls: [ToolCall] { choices.first?.message.toolCalls ?? [] }
}
