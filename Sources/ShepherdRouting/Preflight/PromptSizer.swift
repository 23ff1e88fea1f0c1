import Foundation
import ShepherdCore
import ShepherdTokenizer

/// The size of a chat request in tokens before it is sent: text counted exactly with the
/// model's tokenizer and framed as OpenAI counts messages, media estimated by the formulas
/// the providers publish.
public struct PromptSizer: Sendable {
    public enum MediaFamily: Sendable { case openai, gemini }

    public struct Size: Sendable, Equatable {
        public var textTokens: Int
        public var mediaTokens: Int
        public var images: Int
        public var audioSeconds: Double
        public var videoSeconds: Double
        public var total: Int { textTokens + mediaTokens }
    }

    private let tokenizer: Tokenizer
    private let family: MediaFamily

    public init(tokenizer: Tokenizer, family: MediaFamily = .openai) {
        self.tokenizer = tokenizer
        self.family = family
    }

    /// The tokenizer for a model, o200k_base when the model is not an OpenAI one (other
    /// families' tokenizers are not public; o200k is the closer estimate for modern models).
    public static func forModel(_ model: String) throws -> PromptSizer {
        let family: MediaFamily = model.lowercased().contains("gemini") ? .gemini : .openai
        return PromptSizer(tokenizer: try Tokenizer.load(Tokenizer.forModel(model) ?? .o200k_base), family: family)
    }

    public func size(of request: ChatCompletionRequest) -> Size {
        // OpenAI's cookbook: 3 tokens of framing per message, 1 more for a name, and 3 to
        // prime the reply.
        var size = Size(textTokens: 3, mediaTokens: 0, images: 0, audioSeconds: 0, videoSeconds: 0)
        for message in request.messages {
            size.textTokens += 3 + tokenizer.count(message.role.rawValue)
            if let name = message.name { size.textTokens += 1 + tokenizer.count(name) }
            for call in message.toolCalls ?? [] {
                size.textTokens += tokenizer.count(call.function.name) + tokenizer.count(call.function.arguments) + 3
            }
            switch message.content {
            case .text(let text): size.textTokens += tokenizer.count(text)
            case .parts(let parts): for part in parts { add(part, to: &size) }
            case nil: break
            }
        }
        for tool in request.tools ?? [] {
            // Tool schemas are sent as text the model reads; count their JSON.
            let schema = (try? JSONEncoder().encode(tool.function)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            size.textTokens += tokenizer.count(schema) + 8
        }
        return size
    }

    private func add(_ part: ContentPart, to size: inout Size) {
        switch part {
        case .text(let text), .refusal(let text):
            size.textTokens += tokenizer.count(text)
        case .imageURL(let image):
            size.images += 1
            size.mediaTokens += imageTokens(image)
        case .inputAudio(let audio):
            let seconds = MediaProbe.audioSeconds(base64: audio.data, format: audio.format)
            size.audioSeconds += seconds
            // OpenAI: about 10 tokens a second of input audio; Gemini: 32.
            size.mediaTokens += Int((seconds * (family == .gemini ? 32 : 10)).rounded(.up))
        case .videoURL(let url):
            let seconds = url.hasPrefix("data:") ? MediaProbe.videoSeconds(dataURI: url) : 60
            size.videoSeconds += seconds
            size.mediaTokens += Int((seconds * 263).rounded(.up))
        case .file(let file):
            guard let data = file.fileData else { return }
            if data.hasPrefix("data:video/") {
                let seconds = MediaProbe.videoSeconds(dataURI: data)
                size.videoSeconds += seconds
                size.mediaTokens += Int((seconds * 263).rounded(.up))
            } else {
                // A PDF: about 258 tokens a page in Gemini, text plus page images in OpenAI;
                // estimate pages from size (~50 KB a page) at 800 tokens each.
                let bytes = Double(data.utf8.count) * 3 / 4
                size.mediaTokens += max(1, Int((bytes / 50_000).rounded(.up))) * (family == .gemini ? 258 : 800)
            }
        }
    }

    /// OpenAI's tile formula (85 + 170 per 512-px tile after scaling to 2048 and then a
    /// 768-px short side; 85 for `detail: low`); Gemini counts 258 per image.
    func imageTokens(_ image: ContentPart.ImageURL) -> Int {
        if family == .gemini { return 258 }
        if image.detail == "low" { return 85 }
        guard let (width, height) = MediaProbe.imageSize(dataURI: image.url) else {
            // An image by URL is not fetched on the request path: assume a large one.
            return 85 + 170 * 4
        }
        return Self.openAITiles(width: width, height: height)
    }

    static func openAITiles(width: Int, height: Int) -> Int {
        var w = Double(width)
        var h = Double(height)
        if max(w, h) > 2048 {
            let scale = 2048 / max(w, h)
            w *= scale
            h *= scale
        }
        if min(w, h) > 768 {
            let scale = 768 / min(w, h)
            w *= scale
            h *= scale
        }
        let tiles = Int((w / 512).rounded(.up)) * Int((h / 512).rounded(.up))
        return 85 + 170 * tiles
    }
}
