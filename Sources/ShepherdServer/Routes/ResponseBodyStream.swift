import HTTPTypes
import Hummingbird
import ShepherdProviders

/// Reads a `ResponseBody` (which can only be written into a writer) as bytes: collected
/// whole, or streamed through a dialect translator.
enum ResponseBodyStream {
    /// The proxy's SSE body, passed through `translate` on its way to the client.
    ///
    /// The proxy's relay records the ledger row only once its upstream has ended, which
    /// can be after the `[DONE]` the translator stops at; so the relay is driven to its end
    /// on its own task, and is cancelled only when the client goes away. The response ends
    /// after the relay, so the row is durable before the client has the whole answer.
    static func translated(_ body: ResponseBody, through translate: @escaping @Sendable (SSEByteStream) -> SSEByteStream) -> ResponseBody {
        ResponseBody { writer in
            let (source, continuation) = SSEByteStream.makeStream(bufferingPolicy: .unbounded)
            let relay = Task {
                do {
                    try await body.write(YieldingWriter(continuation: continuation))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            try await withTaskCancellationHandler {
                do {
                    for try await bytes in translate(source) { try await writer.write(bytes) }
                } catch {
                    relay.cancel()
                    throw error
                }
                _ = await relay.result
            } onCancel: {
                relay.cancel()
            }
            try await writer.finish(nil)
        }
    }
}

/// Yields each write into a stream. Writes after the translator has stopped listening are
/// dropped rather than refused, so that the relay still reaches its end.
struct YieldingWriter: ResponseBodyWriter {
    let continuation: SSEByteStream.Continuation

    mutating func write(_ buffer: ByteBuffer) async throws {
        continuation.yield(buffer)
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
