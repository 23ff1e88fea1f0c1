import NIOCore
import NIOHTTP1

/// One upstream request and the promise of its answer: whole, or as a head with a body
/// stream. Touched only on its event loop: the pool starts it there, and its connection,
/// timer and cancellation all run there.
final class UpstreamExchange: @unchecked Sendable {
    enum Reply {
        case whole(EventLoopPromise<UpstreamResponse>)
        case streamed(EventLoopPromise<UpstreamStreamingResponse>)
    }

    let endpoint: UpstreamEndpoint
    let head: HTTPRequestHead
    let body: ByteBuffer
    let reply: Reply
    /// The connection carrying it, once it has one: a timeout or cancellation closes it, since
    /// an answer may still be on its way and the connection cannot carry another request.
    var channel: (any Channel)?
    /// Why it was ended from outside, for a stream already handed to its reader.
    private(set) var abortError: (any Error)?
    private var timer: Scheduled<Void>?
    private var isReplied = false
    /// Nothing more will happen on its connection for it: answered whole, its stream ended,
    /// failed, or aborted.
    private(set) var isOver = false

    init(endpoint: UpstreamEndpoint, head: HTTPRequestHead, body: ByteBuffer, reply: Reply) {
        self.endpoint = endpoint
        self.head = head
        self.body = body
        self.reply = reply
    }

    var isStreamed: Bool {
        if case .streamed = reply { return true }
        return false
    }

    /// Fails the exchange when `deadline` passes first. It counts connecting, and for a
    /// stream, the whole body.
    func expire(at deadline: NIODeadline, on loop: any EventLoop) {
        timer = loop.scheduleTask(deadline: deadline) { [self] in
            abort(UpstreamConnectionError(.timeout, "no complete answer from \(endpoint.hostHeader) before the deadline"))
        }
    }

    func answer(_ response: UpstreamResponse) {
        guard !isReplied, case .whole(let promise) = reply else { return }
        isReplied = true
        end()
        promise.succeed(response)
    }

    /// Hands over a streamed answer; the exchange lasts until ``end()``.
    func answer(_ response: UpstreamStreamingResponse) {
        guard !isReplied, case .streamed(let promise) = reply else { return }
        isReplied = true
        promise.succeed(response)
    }

    func fail(_ error: any Error) {
        end()
        guard !isReplied else { return }
        isReplied = true
        switch reply {
        case .whole(let promise): promise.fail(error)
        case .streamed(let promise): promise.fail(error)
        }
    }

    /// Ends the exchange from outside its connection (deadline, cancellation).
    func abort(_ error: any Error) {
        guard !isOver else { return }
        abortError = error
        fail(error)
        channel?.close(promise: nil)
    }

    func end() {
        isOver = true
        timer?.cancel()
        timer = nil
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

/// An upstream answer's head, with its body still arriving.
public struct UpstreamStreamingResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: UpstreamBody
}
