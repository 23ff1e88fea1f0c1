import NIOCore
import ShepherdCore

extension GeminiDialect {
    /// A Chat Completions SSE stream (as the gateway relays it) → Gemini's
    /// `streamGenerateContent?alt=sse` stream: `data: {GenerateContentResponse}` per slice of
    /// text, function calls whole in the last one with the finish reason and usage. A failure
    /// midway ends it with `data: {"error": …}`.
    public static func generateContentStream(fromChatStream source: SSEByteStream) -> SSEByteStream {
        SSETranslation.run(source, with: GeminiEventWriter(), recover: { error in
            [GeminiEventWriter.errorEvent(DialectSupport.brokenStreamError(error))]
        })
    }
}

/// Writes Gemini stream events. Gemini sends a function call whole, so argument fragments
/// are gathered until the choice finishes.
struct GeminiEventWriter: SSETranslator {
    private struct PendingCall {
        var id: String
        var name: String
        var arguments: String
    }

    private var model = ""
    private var responseID: String?
    /// Per choice index: calls in OpenAI tool-call order, and the finish reason.
    private var calls: [Int: [Int: PendingCall]] = [:]
    private var finishes: [Int: String] = [:]
    private var usage: Usage?
    private(set) var isFinished = false

    mutating func translate(_ event: SSEEvent) throws -> [ByteBuffer] {
        if let error = DialectSupport.openAIError(in: event) {
            isFinished = true
            return [Self.errorEvent(error)]
        }
        if event.data == "[DONE]" { return try close() }
        let chunk = try WireJSON.decode(ChatCompletionChunk.self, from: event.data)
        model = chunk.model
        responseID = responseID ?? chunk.id
        if let reported = chunk.usage { usage = reported }
        var candidates: [GeminiWire.Candidate] = []
        for choice in chunk.choices {
            for call in choice.delta.toolCalls ?? [] {
                var pending = calls[choice.index, default: [:]][call.index] ?? PendingCall(id: "", name: "", arguments: "")
                if let id = call.id { pending.id = id }
                if let name = call.function?.name { pending.name += name }
                if let fragment = call.function?.arguments { pending.arguments += fragment }
                calls[choice.index, default: [:]][call.index] = pending
            }
            if let finish = choice.finishReason { finishes[choice.index] = finish }
            if let text = choice.delta.content, !text.isEmpty {
                candidates.append(GeminiWire.Candidate(content: GeminiDialect.content(text: text, calls: []), index: choice.index))
            }
        }
        guard !candidates.isEmpty else { return [] }
        return [try response(candidates, usage: nil)]
    }

    mutating func finish() throws -> [ByteBuffer] {
        isFinished = true
        return [Self.errorEvent(GatewayError(.upstreamError, "The upstream stream ended early."))]
    }

    /// The last response: each choice's calls and finish reason, and the usage.
    private mutating func close() throws -> [ByteBuffer] {
        isFinished = true
        let indexes = Set(calls.keys).union(finishes.keys).sorted()
        let candidates = indexes.map { index in
            let made = (calls[index] ?? [:]).sorted { $0.key < $1.key }.map { entry in
                ToolCall(id: entry.value.id, function: FunctionCall(name: entry.value.name, arguments: entry.value.arguments))
            }
            let content = GeminiDialect.content(text: nil, calls: made)
            return GeminiWire.Candidate(
                content: content.parts.isEmpty ? nil : content,
                finishReason: GeminiDialect.finishReason(finishes[index] ?? "stop"), index: index)
        }
        guard !candidates.isEmpty || usage != nil else { return [] }
        return [try response(candidates, usage: usage)]
    }

    private func response(_ candidates: [GeminiWire.Candidate], usage: Usage?) throws -> ByteBuffer {
        let body = GeminiWire.Response(
            candidates: candidates.isEmpty ? nil : candidates, usageMetadata: usage.map(GeminiDialect.usageMetadata),
            modelVersion: model, responseId: responseID)
        return try WireJSON.event(body, lineEnd: "\r\n")
    }

    static func errorEvent(_ error: GatewayError) -> ByteBuffer {
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(GeminiDialect.errorBody(error))
        buffer.writeString("\r\n\r\n")
        return buffer
    }
}
