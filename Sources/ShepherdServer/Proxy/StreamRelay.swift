import HTTPTypes
import Hummingbird
import Logging
import ShepherdCore
import ShepherdProviders

/// Forwards an upstream's server-sent events to the client event by event, as they arrive.
/// A stream that breaks, or ends without `[DONE]`, is closed with an SSE `error` event and
/// `data: [DONE]`, so that clients never mistake a cut for a complete answer.
final class StreamRelay: @unchecked Sendable {
    // Used by one task at a time: first by the handler (for the first bytes), then by the
    // response body writer.
    private var iterator: SSEByteStream.AsyncIterator
    private(set) var transcript: StreamTranscript
    private let target: Target

    /// How a relayed stream ended, for metrics and the ledger.
    struct Outcome: Sendable {
        var status: Int
        var usage: Usage?
        var text: String
        var finishReason: String?
    }

    /// - Parameter keepsText: the answer's text is wanted whatever the usage (a shadow compares it).
    init(_ stream: SSEByteStream, target: Target, hideUsageChunk: Bool, keepsText: Bool) {
        iterator = stream.makeAsyncIterator()
        self.target = target
        transcript = StreamTranscript(hideUsageChunk: hideUsageChunk, keepsText: keepsText)
    }

    /// The first complete events; a failure here can still be retried elsewhere.
    func first() async throws -> ByteBuffer {
        while true {
            guard let chunk = try await iterator.next() else {
                if let rest = transcript.flush() { return rest }
                throw UpstreamFailure(
                    provider: target.provider, model: target.model, kind: .invalidResponse,
                    message: "the upstream closed the stream before sending anything")
            }
            if let events = transcript.feed(chunk) { return events }
        }
    }

    func response(
        first: ByteBuffer, headers: HTTPFields, logger: Logger, finished: @escaping @Sendable (Outcome) async -> Void
    ) -> Response {
        var headers = headers
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            try await writer.write(first)
            var status = 200
            do {
                while let chunk = try await self.iterator.next() {
                    if let events = self.transcript.feed(chunk) { try await writer.write(events) }
                }
                if let rest = self.transcript.flush() { try await writer.write(rest) }
                if !self.transcript.sawDone {
                    status = 502
                    try await writer.write(Self.errorEvent(GatewayError(.upstreamError, "The upstream ended the stream without [DONE].")))
                }
            } catch let failure as UpstreamFailure {
                status = 502
                logger.warning("upstream stream broke", metadata: ["shepherd.detail": "\(failure.message)"])
                try await writer.write(Self.errorEvent(GatewayError(.upstreamError, "The upstream stream failed: \(failure.message)")))
            }
            // A stream that broke was not flushed: its text may still be wanted for the ledger.
            self.transcript.settle()
            let transcript = self.transcript
            // Recorded before the stream's end reaches the client, so that a complete
            // answer's ledger row is durable before the client has it all.
            await finished(Outcome(status: status, usage: transcript.usage, text: transcript.text, finishReason: transcript.finishReason))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func errorEvent(_ error: GatewayError) -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: error\ndata: ")
        buffer.writeBytes(error.openAIEnvelope())
        buffer.writeString("\n\ndata: [DONE]\n\n")
        return buffer
    }
}
