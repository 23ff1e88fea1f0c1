import NIOCore
import ShepherdCore

extension AnthropicDialect {
    /// A Chat Completions SSE stream (as the gateway relays it) → an Anthropic Messages event
    /// stream. A failure midway, whether an `error` event from the relay or a broken
    /// source, ends it with Anthropic's own `error` event.
    public static func messagesStream(fromChatStream source: SSEByteStream) -> SSEByteStream {
        SSETranslation.run(source, with: AnthropicEventWriter(), recover: { error in
            [AnthropicEventWriter.errorEvent(DialectSupport.brokenStreamError(error))]
        })
    }
}

/// Writes Anthropic's event sequence: `message_start`, then for each text run or tool call
/// a `content_block_start` / `content_block_delta`s / `content_block_stop`, then
/// `message_delta` (stop reason, usage) and `message_stop`.
struct AnthropicEventWriter: SSETranslator {
    private enum Block: Equatable {
        case text(Int)
        case tool(Int)
    }

    private var started = false
    private var open: Block?
    private var nextBlock = 0
    /// OpenAI tool-call index → Anthropic content block index.
    private var toolBlocks: [Int: Int] = [:]
    private var stopReason: String?
    private var usage: Usage?
    private(set) var isFinished = false

    mutating func translate(_ event: SSEEvent) throws -> [ByteBuffer] {
        if let error = DialectSupport.openAIError(in: event) {
            isFinished = true
            return [Self.errorEvent(error)]
        }
        if event.data == "[DONE]" { return close() }
        let chunk = try WireJSON.decode(ChatCompletionChunk.self, from: event.data)
        var out = start(id: chunk.id, model: chunk.model)
        if let reported = chunk.usage { usage = reported }
        // Anthropic answers have one choice; others (n > 1) cannot be expressed.
        guard let choice = chunk.choices.first(where: { $0.index == 0 }) else { return out }
        if let text = choice.delta.content, !text.isEmpty {
            if case .text? = open {} else {
                out += closeBlock()
                out.append(startBlock(.text(nextBlock)) { json in
                    json.key("type"); json.string("text")
                    json.key("text"); json.string("")
                })
            }
            out.append(delta(type: "text_delta", key: "text", value: text))
        }
        for call in choice.delta.toolCalls ?? [] {
            if toolBlocks[call.index] == nil {
                out += closeBlock()
                toolBlocks[call.index] = nextBlock
                out.append(startBlock(.tool(nextBlock)) { json in
                    json.key("type"); json.string("tool_use")
                    json.key("id"); json.string(call.id ?? "toolu_\(call.index)")
                    json.key("name"); json.string(call.function?.name ?? "")
                    json.key("input"); json.beginObject(); json.endObject()
                })
            }
            if let fragment = call.function?.arguments, !fragment.isEmpty, let block = toolBlocks[call.index] {
                out.append(delta(type: "input_json_delta", key: "partial_json", value: fragment, block: block))
            }
        }
        if let finish = choice.finishReason { stopReason = AnthropicDialect.stopReason(finish) }
        return out
    }

    /// The relay always ends with `[DONE]` or an error event; a source that just stops
    /// was cut short.
    mutating func finish() throws -> [ByteBuffer] {
        isFinished = true
        return [Self.errorEvent(GatewayError(.upstreamError, "The upstream stream ended early."))]
    }

    /// `message_start`, once, before anything else.
    private mutating func start(id: String, model: String) -> [ByteBuffer] {
        guard !started else { return [] }
        started = true
        return [Self.event("message_start") { json in
            json.key("message")
            json.beginObject()
            json.key("id"); json.string(AnthropicDialect.messageID(id))
            json.key("type"); json.string("message")
            json.key("role"); json.string("assistant")
            json.key("model"); json.string(model)
            json.key("content"); json.beginArray(); json.endArray()
            json.key("stop_reason"); json.null()
            json.key("stop_sequence"); json.null()
            // Input usage is only known at the end; `message_delta` carries it then.
            json.key("usage"); Self.usage(AnthropicWire.Usage(inputTokens: 0, outputTokens: 0), into: &json)
            json.endObject()
        }]
    }

    private mutating func close() -> [ByteBuffer] {
        isFinished = true
        // An answer without a single chunk still gets the whole event sequence.
        var out = start(id: "gateway", model: "") + closeBlock()
        let final = AnthropicDialect.usage(usage)
        out.append(Self.event("message_delta") { json in
            json.key("delta")
            json.beginObject()
            json.key("stop_reason"); json.string(stopReason ?? "end_turn")
            json.key("stop_sequence"); json.null()
            json.endObject()
            json.key("usage"); Self.usage(final, into: &json)
        })
        out.append(Self.event("message_stop") { _ in })
        return out
    }

    private mutating func startBlock(_ block: Block, _ body: (inout JSONWriter) -> Void) -> ByteBuffer {
        let index = nextBlock
        nextBlock += 1
        open = block
        return Self.event("content_block_start") { json in
            json.key("index"); json.int(index)
            json.key("content_block")
            json.beginObject()
            body(&json)
            json.endObject()
        }
    }

    private mutating func closeBlock() -> [ByteBuffer] {
        guard let block = open else { return [] }
        open = nil
        let index: Int
        switch block {
        case .text(let value), .tool(let value): index = value
        }
        return [Self.event("content_block_stop") { json in json.key("index"); json.int(index) }]
    }

    private func delta(type: String, key: String, value: String, block: Int? = nil) -> ByteBuffer {
        let index: Int
        switch open {
        case .text(let value), .tool(let value): index = block ?? value
        case nil: index = block ?? 0
        }
        return Self.event("content_block_delta") { json in
            json.key("index"); json.int(index)
            json.key("delta")
            json.beginObject()
            json.key("type"); json.string(type)
            json.key(key); json.string(value)
            json.endObject()
        }
    }

    private static func usage(_ usage: AnthropicWire.Usage, into json: inout JSONWriter) {
        json.beginObject()
        json.key("input_tokens"); json.int(usage.inputTokens ?? 0)
        json.key("output_tokens"); json.int(usage.outputTokens ?? 0)
        if let read = usage.cacheReadInputTokens { json.key("cache_read_input_tokens"); json.int(read) }
        if let written = usage.cacheCreationInputTokens { json.key("cache_creation_input_tokens"); json.int(written) }
        json.endObject()
    }

    /// `event: <type>\ndata: {"type": <type>, …}\n\n`.
    static func event(_ type: String, _ body: (inout JSONWriter) -> Void) -> ByteBuffer {
        var json = JSONWriter()
        json.beginObject()
        json.key("type"); json.string(type)
        body(&json)
        json.endObject()
        var buffer = ByteBuffer(string: "event: \(type)\ndata: ")
        buffer.writeBytes(json.bytes)
        buffer.writeString("\n\n")
        return buffer
    }

    static func errorEvent(_ error: GatewayError) -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: error\ndata: ")
        buffer.writeBytes(AnthropicDialect.errorBody(error))
        buffer.writeString("\n\n")
        return buffer
    }
}
