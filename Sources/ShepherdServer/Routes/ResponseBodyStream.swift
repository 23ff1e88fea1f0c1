import HTTPTypes
import Hummingbird
import ShepherdProviders

/// Reads a `ResponseBody` (which can only be written into a writer) as bytes: collected
/// whole, or as a stream for the dialect translators.
enum ResponseBodyStream {
    /// The body as an async sequence. A task drives the body's writer; it is cancelled when
    /// the consumer stops listening, which cancels the proxy's relay and its upstream call.
    static func stream(_ body: ResponseBody) -> SSEByteStream {
        let (stream, continuation) = SSEByteStream.makeStream(bufferingPolicy: .unbounded)
        let task = Task {
            do {
                try await body.write(YieldingWriter(continuation: continuation))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

/// Yields each write into a stream; refuses writes once nobody listens, so the relay stops.
struct YieldingWriter: ResponseBodyWriter {
    let continuation: SSEByteStream.Continuation

    mutating func write(_ buffer: ByteBuffer) async throws {
        if case .terminated = continuation.yield(buffer) { throw CancellationError() }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        continuation.finish()
    }
}

/// Where a `CollectingWriter` leaves the bytes: the writer itself is consumed by
/// `ResponseBody.write`, so what it gathers must outlive it. Used by one task at a time.
final class CollectedBody {
    var buffer = ByteBuffer()
}

struct CollectingWriter: ResponseBodyWriter {
    let sink: CollectedBody

    mutating func write(_ buffer: ByteBuffer) async throws {
        sink.buffer.writeImmutableBuffer(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
