import NIOCore
import ShepherdCore

/// Gemini `streamGenerateContent?alt=sse` events → OpenAI `chat.completion.chunk` events.
/// Each Gemini event is a whole `GenerateContentResponse` holding the next slice of text
/// or whole function calls, with usage so far; the stream simply ends after the last.
struct GeminiStreamTranslator: SSETranslator {
    let id: String
    let created: Int
    let model: String
    let failure: @Sendable (Int, String) -> UpstreamFailure
    private var rolesSent: Set<Int> = []
    private var toolCallCounts: [Int: Int] = [:]
    private var usage: Usage?
    private var sawResponse = false
    private(set) var isFinished = false

    /// `failure` builds the error for an error event, from its HTTP code and message.
    init(id: String, created: Int, model: String, failure: @escaping @Sendable (Int, String) -> UpstreamFailure) {
        self.id = id
        self.created = created
        self.model = model
        self.failure = failure
    }

    mutating func translate(_ event: SSEEvent) throws -> [ByteBuffer] {
        let response = try WireJSON.decode(GeminiWire.Response.self, from: event.data)
        if response.candidates == nil, response.usageMetadata == nil, response.promptFeedback == nil,
            let error = try? WireJSON.decode(GeminiWire.ErrorBody.self, from: event.data)
        {
            throw failure(error.error.code ?? 500, error.error.message ?? error.error.status ?? "error event")
        }
        sawResponse = true
        if let metadata = response.usageMetadata { usage = GeminiResponseTranslator.usage(metadata) }
        var choices: [ChatCompletionChunk.Choice] = []
        for (position, candidate) in (response.candidates ?? []).enumerated() {
            let index = candidate.index ?? position
            let calls = toolCallCounts[index] ?? 0
            let answer = GeminiResponseTranslator.Answer(
                candidate.content?.parts ?? [], callPrefix: "\(id)_\(index)", firstCallIndex: calls)
            var delta = ChatCompletionChunk.Delta(content: answer.text)
            if rolesSent.insert(index).inserted { delta.role = "assistant" }
            if !answer.toolCalls.isEmpty {
                delta.toolCalls = answer.toolCalls.enumerated().map { offset, call in
                    ChatCompletionChunk.ToolCallDelta(
                        index: calls + offset, id: call.id, type: "function",
                        function: .init(name: call.function.name, arguments: call.function.arguments))
                }
                toolCallCounts[index] = calls + answer.toolCalls.count
            }
            var finish = GeminiResponseTranslator.finishReason(candidate.finishReason)
            if finish != nil, toolCallCounts[index, default: 0] > 0 { finish = "tool_calls" }
            if delta.role == nil, delta.content == nil, delta.toolCalls == nil, finish == nil { continue }
            choices.append(ChatCompletionChunk.Choice(index: index, delta: delta, finishReason: finish))
        }
        if response.candidates == nil, let reason = response.promptFeedback?.blockReason {
            let blocked = GeminiResponseTranslator.blockedChoice(reason)
            choices.append(ChatCompletionChunk.Choice(
                index: 0, delta: .init(role: "assistant"), finishReason: blocked.finishReason))
        }
        guard !choices.isEmpty else { return [] }
        return [try WireJSON.event(ChatCompletionChunk(id: id, created: created, model: response.modelVersion ?? model, choices: choices))]
    }

    /// The usage chunk, always: the gateway's relay drops it when the client did not ask
    /// (`stream_options.include_usage`), but needs it for the ledger either way.
    mutating func finish() throws -> [ByteBuffer] {
        // Gemini ends a stream by closing it; one that closes before any answer was cut.
        guard sawResponse else { throw StreamEndedEarly(detail: "the stream closed before any answer") }
        isFinished = true
        var out: [ByteBuffer] = []
        if let usage {
            out.append(try WireJSON.event(ChatCompletionChunk(id: id, created: created, model: model, choices: [], usage: usage)))
        }
        out.append(WireJSON.done)
        return out
    }
}
