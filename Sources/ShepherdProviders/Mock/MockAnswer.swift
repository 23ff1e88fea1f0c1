import Foundation
import ShepherdCore

/// What the mock says to a request: the last user message echoed (or a fixed reply), or a
/// call of the requested tool, with usage estimated from the text.
struct MockAnswer {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    var content: String?
    var toolCall: ToolCall?
    var usage: Usage

    init(request: ChatCompletionRequest, fixedReply: String?) {
        let last = request.messages.last
        if let tools = request.tools, !tools.isEmpty, last?.role != .tool, let tool = Self.chosenTool(tools, request.toolChoice) {
            toolCall = ToolCall(id: "call_mock_\(Self.stableID(tool.function.name))", function: FunctionCall(name: tool.function.name, arguments: "{}"))
            content = nil
        } else if let fixedReply {
            content = fixedReply
        } else {
            let lastUser = request.messages.last { $0.role == .user || $0.role == .tool }
            content = Self.echo(lastUser)
        }
        var completion = TokenEstimate.approximate(content ?? "")
        if let toolCall { completion += TokenEstimate.approximate(toolCall.function.name + toolCall.function.arguments) + 3 }
        if let limit = request.maxCompletionTokens ?? request.maxTokens, let text = content, completion > limit {
            content = String(text.prefix(limit * 4))
            completion = limit
        }
        usage = Usage(promptTokens: TokenEstimate.prompt(request.messages), completionTokens: completion, cachedTokens: 0)
    }

    /// FNV-1a: the same tool gets the same call id in every process, unlike `hashValue`.
    static func stableID(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash % 1_000_000_000, radix: 36)
    }

    private static func chosenTool(_ tools: [Tool], _ choice: JSONValue?) -> Tool? {
        switch choice {
        case .string("none"): return nil
        case .object:
            let wanted = choice?["function"]?["name"]?.stringValue
            return tools.first { $0.function.name == wanted } ?? tools.first
        default: return tools.first
        }
    }

    private static func echo(_ message: ChatMessage?) -> String {
        guard let message else { return "Hello from the Shepherd mock provider." }
        switch message.content {
        case .text(let text): return text
        case .parts(let parts):
            return parts.map { part -> String in
                switch part {
                case .text(let text): text
                case .imageURL: "[image]"
                case .inputAudio: "[audio]"
                case .file(let file): "[file \(file.filename ?? "")]"
                case .videoURL: "[video]"
                case .refusal(let text): text
                }
            }.joined(separator: " ")
        case nil: return ""
        }
    }

    private var finishReason: String { toolCall == nil ? "stop" : "tool_calls" }

    func completion(id: String, created: Int, model: String) -> ChatCompletion {
        ChatCompletion(
            id: id, created: created, model: model,
            choices: [.init(index: 0, message: ResponseMessage(content: content, toolCalls: toolCall.map { [$0] }), finishReason: finishReason)],
            usage: usage)
    }

    /// The answer as stream chunks: role, content a word or so at a time, finish, and usage
    /// when the client asked for it.
    func chunks(id: String, created: Int, model: String, includeUsage: Bool) -> [ChatCompletionChunk] {
        func chunk(_ delta: ChatCompletionChunk.Delta, finish: String? = nil) -> ChatCompletionChunk {
            ChatCompletionChunk(id: id, created: created, model: model, choices: [.init(index: 0, delta: delta, finishReason: finish)])
        }
        var chunks = [chunk(.init(role: "assistant", content: toolCall == nil ? "" : nil))]
        if let toolCall {
            chunks.append(chunk(.init(toolCalls: [.init(index: 0, id: toolCall.id, type: "function", function: .init(name: toolCall.function.name, arguments: ""))])))
            chunks.append(chunk(.init(toolCalls: [.init(index: 0, id: nil, type: nil, function: .init(name: nil, arguments: toolCall.function.arguments))])))
        }
        for piece in Self.pieces(of: content ?? "") {
            chunks.append(chunk(.init(content: piece)))
        }
        chunks.append(chunk(.init(), finish: finishReason))
        if includeUsage {
            chunks.append(ChatCompletionChunk(id: id, created: created, model: model, choices: [], usage: usage))
        }
        return chunks
    }

    /// Splits text after each space, so the pieces join back to the exact text.
    static func pieces(of text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == " " {
                pieces.append(current)
                current = ""
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
