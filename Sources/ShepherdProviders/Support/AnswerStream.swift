import AsyncHTTPClient
import NIOCore

/// A streamed answer's body, from the gateway's pool or from AsyncHTTPClient (the SDK).
struct AnswerStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    enum Source: Sendable {
        case pool(UpstreamBody)
        case client(HTTPClientResponse.Body)
    }

    private let source: Source

    init(_ source: Source) {
        self.source = source
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate enum Base {
            case pool(UpstreamBody.AsyncIterator)
            case client(HTTPClientResponse.Body.AsyncIterator)
        }

        fileprivate var base: Base

        mutating func next() async throws -> ByteBuffer? {
            switch base {
            case .pool(var iterator):
                defer { base = .pool(iterator) }
                return try await iterator.next()
            case .client(var iterator):
                defer { base = .client(iterator) }
                return try await iterator.next()
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        switch source {
        case .pool(let body): AsyncIterator(base: .pool(body.makeAsyncIterator()))
        case .client(let body): AsyncIterator(base: .client(body.makeAsyncIterator()))
        }
    }

    /// The whole body, up to `limit` bytes.
    func collect(upTo limit: Int) async throws -> ByteBuffer {
        switch source {
        case .pool(let body): try await body.collect(upTo: limit)
        case .client(let body): try await body.collect(upTo: limit)
        }
    }
}
