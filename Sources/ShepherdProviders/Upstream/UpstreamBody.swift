import NIOCore

/// A streamed answer's body, in the pieces the upstream's socket gave. Its reader sets the
/// pace: once a few pieces wait unread the connection stops reading, so a slow client slows
/// the upstream rather than filling the gateway's memory. Dropping it before its end closes
/// the upstream connection.
public struct UpstreamBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, UpstreamBodyPacer
    >

    let producer: Producer

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator

        public mutating func next() async throws -> ByteBuffer? {
            try await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: producer.makeAsyncIterator())
    }

    /// The whole body, up to `limit` bytes (for an error answer's message).
    public func collect(upTo limit: Int) async throws -> ByteBuffer {
        var whole = ByteBuffer()
        for try await var piece in self {
            guard whole.readableBytes + piece.readableBytes <= limit else {
                throw UpstreamConnectionError(.responseTooLarge, "the answer is over \(limit) bytes")
            }
            whole.writeBuffer(&piece)
        }
        return whole
    }
}

/// Tells the connection, on its loop, that its stream's reader wants more or has gone.
/// `stream` tells this stream from a later one on the same connection.
struct UpstreamBodyPacer: NIOAsyncSequenceProducerDelegate {
    let handler: UpstreamConnectionHandler
    let loop: any EventLoop
    let stream: Int

    func produceMore() {
        loop.execute { [handler, stream] in handler.resumeReading(stream: stream) }
    }

    func didTerminate() {
        loop.execute { [handler, stream] in handler.readerLeft(stream: stream) }
    }
}
