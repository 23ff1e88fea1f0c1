import HTTPTypes
import Hummingbird
import Logging
import ShepherdCore
import ShepherdProviders

/// Forwards an upstream's server-sent events to the client chunk by chunk. A stream that
/// breaks, or ends without `[DONE]`, is closed with an SSE `error` event and `data: [DONE]`
/// so that clients never mistake a cut for a complete answer.
final class StreamRelay: @unchecked Sendable {
    // The iterator is only ever used by one task at a time: first by the handler, then by
    // the response body writer.
    private var iterator: SSEByteStream.AsyncIterator
    private var tail: [UInt8] = []
    private let target: Target

    init(_ stream: SSEByteStream, target: Target) {
        iterator = stream.makeAsyncIterator()
        self.target = target
    }

    func first() async throws -> ByteBuffer {
        guard let chunk = try await iterator.next() else {
            throw UpstreamFailure(
                provider: target.provider, model: target.model, kind: .invalidResponse,
                message: "the upstream closed the stream before sending anything")
        }
        remember(chunk)
        return chunk
    }

    func response(first: ByteBuffer, headers: HTTPFields, logger: Logger, finished: @escaping @Sendable (Int) -> Void) -> Response {
        var headers = headers
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            try await writer.write(first)
            var status = 200
            do {
                while let chunk = try await self.next() {
                    try await writer.write(chunk)
                }
                if !self.endedWithDone {
                    status = 502
                    try await writer.write(Self.errorEvent(GatewayError(.upstreamError, "The upstream ended the stream without [DONE].")))
                }
            } catch let failure as UpstreamFailure {
                status = 502
                logger.warning("upstream stream broke", metadata: ["shepherd.detail": "\(failure.message)"])
                try await writer.write(Self.errorEvent(GatewayError(.upstreamError, "The upstream stream failed: \(failure.message)")))
            }
            finished(status)
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    private func next() async throws -> ByteBuffer? {
        let chunk = try await iterator.next()
        if let chunk { remember(chunk) }
        return chunk
    }

    private func remember(_ chunk: ByteBuffer) {
        tail.append(contentsOf: chunk.readableBytesView.suffix(32))
        if tail.count > 32 { tail.removeFirst(tail.count - 32) }
    }

    private var endedWithDone: Bool {
        let text = String(decoding: tail, as: UTF8.self).trimmingTrailingWhitespace()
        return text.hasSuffix("[DONE]")
    }

    static func errorEvent(_ error: GatewayError) -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: error\ndata: ")
        buffer.writeBytes(error.openAIEnvelope())
        buffer.writeString("\n\ndata: [DONE]\n\n")
        return buffer
    }
}

extension String {
    func trimmingTrailingWhitespace() -> Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)].isWhitespace { end = index(before: end) }
        return self[..<end]
    }
}
