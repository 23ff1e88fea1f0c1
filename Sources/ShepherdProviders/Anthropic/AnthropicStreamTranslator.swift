import NIOCore
import ShepherdCore

/// Anthropic Messages stream events → OpenAI `chat.completion.chunk` events.
/// `message_start` carries the input usage, `content_block_*` the text and tool calls
/// (arguments as JSON fragments), `message_delta` the stop reason and output usage.
struct AnthropicStreamTranslator: SSETranslator {
    let created: Int
    let failure: @Sendable (Int, String) -> UpstreamFailure
    private var id = "chatcmpl-anthropic"
    private var model: String
    private var usage = AnthropicWire.Usage()
    /// Anthropic content block index → OpenAI tool-call index.
    private var toolIndexes: [Int: Int] = [:]
    private var sawStopReason = false
    private(set) var isFinished = false

    /// `failure` builds the error for an `error` event from its status and message.
    init(model: String, created: Int, failure: @escaping @Sendable (Int, String) -> UpstreamFailure) {
        self.model = model
        self.created = created
        self.failure = failure
    }

    private struct Event: Decodable {
        struct Delta: Decodable {
            var type: String?
            var text: String?
            var partialJSON: String?
            var stopReason: String?
            enum CodingKeys: String, CodingKey {
                case type, text
                case partialJSON = "partial_json"
                case stopReason = "stop_reason"
            }
        }
        struct Start: Decodable {
            var id: String
            var model: String?
            var usage: AnthropicWire.Usage?
        }
        var type: String
        var message: Start?
        var index: Int?
        var contentBlock: AnthropicWire.Block?
        var delta: Delta?
        var usage: AnthropicWire.Usage?
        var error: AnthropicWire.ErrorBody.Detail?

        enum CodingKeys: String, CodingKey {
            case type, message, index, delta, usage, error
            case contentBlock = "content_block"
        }
    }

    mutating func translate(_ sse: SSEEvent) throws -> [ByteBuffer] {
        let event = try WireJSON.decode(Event.self, from: sse.data)
        switch event.type {
        case "message_start":
            if let start = event.message {
                id = "chatcmpl-\(start.id)"
                model = start.model ?? model
                if let initial = start.usage { merge(initial) }
            }
            return [try chunk(.init(role: "assistant", content: ""))]
        case "content_block_start":
            guard let block = event.contentBlock, let index = event.index else { return [] }
            if block.type == "tool_use" {
                let toolIndex = toolIndexes.count
                toolIndexes[index] = toolIndex
                let call = ChatCompletionChunk.ToolCallDelta(
                    index: toolIndex, id: block.id, type: "function", function: .init(name: block.name, arguments: ""))
                return [try chunk(.init(toolCalls: [call]))]
            }
            if block.type == "text", let text = block.text, !text.isEmpty { return [try chunk(.init(content: text))] }
            return []
        case "content_block_delta":
            guard let delta = event.delta else { return [] }
            if delta.type == "text_delta", let text = delta.text { return [try chunk(.init(content: text))] }
            if delta.type == "input_json_delta", let index = event.index, let toolIndex = toolIndexes[index],
                let fragment = delta.partialJSON, !fragment.isEmpty
            {
                let call = ChatCompletionChunk.ToolCallDelta(index: toolIndex, id: nil, type: nil, function: .init(name: nil, arguments: fragment))
                return [try chunk(.init(toolCalls: [call]))]
            }
            return []  // thinking and signature deltas have no OpenAI counterpart
        case "message_delta":
            if let final = event.usage { merge(final) }
            guard let reason = event.delta?.stopReason else { return [] }
            sawStopReason = true
            return [try chunk(.init(), finish: AnthropicResponseTranslator.finishReason(reason))]
        case "message_stop":
            return try complete()
        case "error":
            let detail = event.error ?? .init(type: "api_error", message: "error event without detail")
            throw failure(AnthropicResponseTranslator.status(forErrorType: detail.type), "\(detail.type): \(detail.message)")
        default:
            return []  // ping, content_block_stop, and event types added later
        }
    }

    /// Later usage reports are cumulative and override earlier ones member by member.
    private mutating func merge(_ report: AnthropicWire.Usage) {
        usage.inputTokens = report.inputTokens ?? usage.inputTokens
        usage.outputTokens = report.outputTokens ?? usage.outputTokens
        usage.cacheReadInputTokens = report.cacheReadInputTokens ?? usage.cacheReadInputTokens
        usage.cacheCreationInputTokens = report.cacheCreationInputTokens ?? usage.cacheCreationInputTokens
    }

    private func chunk(_ delta: ChatCompletionChunk.Delta, finish: String? = nil) throws -> ByteBuffer {
        try WireJSON.event(ChatCompletionChunk(
            id: id, created: created, model: model, choices: [.init(index: 0, delta: delta, finishReason: finish)]))
    }

    /// The source ended without `message_stop`: complete if the answer had stopped, else
    /// the stream was cut and must not pass for a whole answer.
    mutating func finish() throws -> [ByteBuffer] {
        guard sawStopReason else { throw StreamEndedEarly(detail: "the stream ended before message_stop") }
        return try complete()
    }

    /// The usage chunk, always: the gateway's relay drops it when the client did not ask
    /// (`stream_options.include_usage`), but needs it for the ledger either way.
    private mutating func complete() throws -> [ByteBuffer] {
        guard !isFinished else { return [] }
        isFinished = true
        let usageChunk = ChatCompletionChunk(
            id: id, created: created, model: model, choices: [], usage: AnthropicResponseTranslator.usage(usage))
        return [try WireJSON.event(usageChunk), WireJSON.done]
    }
}
