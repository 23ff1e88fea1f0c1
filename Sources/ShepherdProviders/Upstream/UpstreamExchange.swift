import NIOCore
import NIOHTTP1

/// One upstream request and the promise of its whole answer. Touched only on its event loop:
/// the pool starts it there, and its connection, timer and cancellation all run there.
final class UpstreamExchange: @unchecked Sendable {
    let endpoint: UpstreamEndpoint
    let head: HTTPRequestHead
    let body: ByteBuffer
    let promise: EventLoopPromise<UpstreamResponse>
    /// The connection carrying it, once it has one: a timeout or cancellation closes it, since
    /// an answer may still be on its way and the connection cannot carry another request.
    var channel: (any Channel)?
    private var timer: Scheduled<Void>?
    private(set) var isFinished = false

    init(endpoint: UpstreamEndpoint, head: HTTPRequestHead, body: ByteBuffer, promise: EventLoopPromise<UpstreamResponse>) {
        self.endpoint = endpoint
        self.head = head
        self.body = body
        self.promise = promise
    }

    /// Fails the exchange when `deadline` passes first; connecting counts against it too.
    func expire(at deadline: NIODeadline) {
        timer = promise.futureResult.eventLoop.scheduleTask(deadline: deadline) { [self] in
            abort(UpstreamConnectionError(.timeout, "no complete answer from \(endpoint.hostHeader) before the deadline"))
        }
    }

    func succeed(_ response: UpstreamResponse) {
        guard finish() else { return }
        promise.succeed(response)
    }

    func fail(_ error: any Error) {
        guard finish() else { return }
        promise.fail(error)
    }

    /// Ends the exchange from outside its connection (deadline, cancellation).
    func abort(_ error: any Error) {
        guard !isFinished else { return }
        fail(error)
        channel?.close(promise: nil)
    }

    private func finish() -> Bool {
        guard !isFinished else { return false }
        isFinished = true
        timer?.cancel()
        timer = nil
        return true
    }
}

/// What ``UpstreamConnectionPool`` sends: a POST of `body` to `endpoint`, with `headers`
/// (the pool adds `Host` and `Content-Length`).
public struct UpstreamRequest: Sendable {
    public var endpoint: UpstreamEndpoint
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(endpoint: UpstreamEndpoint, headers: HTTPHeaders, body: ByteBuffer) {
        self.endpoint = endpoint
        self.headers = headers
        self.body = body
    }
}

/// A whole upstream answer, whatever its status.
public struct UpstreamResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer
}
