import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The gateway's HTTP/1.1 client for its upstreams, whole answers and streams: keep-alive
/// connections per event loop and upstream, leased on the loop of the request's client
/// connection.
///
/// It exists for the hot path. AsyncHTTPClient, which the SDK still uses, does more per request
/// than a gateway needs (a pool state machine shared by all loops behind a lock, a request bag,
/// the head flushed apart from the body); this pool does only what a call to a known upstream
/// needs: lease, write once, read the answer, release. Measured: 20–30 % less CPU per request
/// (docs/PERFORMANCE.md, fifth pass).
public final class UpstreamConnectionPool: Sendable {
    public struct Configuration: Sendable {
        public var connectTimeout: TimeAmount = .seconds(10)
        /// Connections unused this long are closed.
        public var idleTimeout: TimeAmount = .seconds(60)
        /// Connections to one upstream at most, open or opening. Each event loop has an equal
        /// share; a request beyond its loop's share waits, in order, for a connection to free,
        /// within its deadline. It keeps a burst from opening thousands of sockets to a provider.
        public var maxConnectionsPerUpstream = 1_024
        /// Idle connections kept per event loop and upstream; more are closed when released.
        public var maxIdleConnectionsPerLoop = 512
        /// An answer longer than this fails rather than filling memory.
        public var maxResponseBytes = 256 * 1024 * 1024
        /// For `https` upstreams; HTTP/1.1 is offered by ALPN.
        public var tls: TLSConfiguration = .makeClientConfiguration()

        public init() {}
    }

    private let group: any EventLoopGroup
    private let loops: [ObjectIdentifier: UpstreamLoopConnections]

    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, configuration: Configuration = Configuration()) {
        self.group = group
        let tls = TLSContextCache(configuration: configuration.tls)
        let all = Array(group.makeIterator())
        var loops: [ObjectIdentifier: UpstreamLoopConnections] = [:]
        for loop in all {
            loops[ObjectIdentifier(loop)] = UpstreamLoopConnections(loop: loop, configuration: configuration, loopCount: all.count, tls: tls)
        }
        self.loops = loops
    }

    /// Sends `request` and returns the whole answer, whatever its status. Throws
    /// ``UpstreamConnectionError`` (or `CancellationError` when the calling task is cancelled).
    public func execute(_ request: UpstreamRequest, deadline: NIODeadline) async throws -> UpstreamResponse {
        try await exchange(request, deadline: deadline) { .whole($0.makePromise()) } result: { reply in
            guard case .whole(let promise) = reply else { preconditionFailure("made whole above") }
            return try await promise.futureResult.get()
        }
    }

    /// Sends `request` and returns the answer's head once it arrives, its body streaming
    /// behind it. `deadline` bounds the body too.
    public func stream(_ request: UpstreamRequest, deadline: NIODeadline) async throws -> UpstreamStreamingResponse {
        try await exchange(request, deadline: deadline) { .streamed($0.makePromise()) } result: { reply in
            guard case .streamed(let promise) = reply else { preconditionFailure("made streamed above") }
            return try await promise.futureResult.get()
        }
    }

    /// Closes every idle connection; later requests fail.
    public func shutdown() async {
        for connections in loops.values {
            try? await connections.loop.submit { connections.shutDown() }.get()
        }
    }

    /// The caller's own loop when it runs on one of the group's, else its client connection's,
    /// else the group's next.
    private func leasingLoop() -> (any EventLoop, UpstreamLoopConnections) {
        if let current = MultiThreadedEventLoopGroup.currentEventLoop, let connections = loops[ObjectIdentifier(current)] {
            return (current, connections)
        }
        // The task-local is read only here: a caller already on a loop skips its lookup.
        if let connectionLoop = ConnectionEventLoop.current, let connections = loops[ObjectIdentifier(connectionLoop)] {
            return (connectionLoop, connections)
        }
        let next = group.next()
        // Every loop of the group has its entry, made in init.
        return (next, loops[ObjectIdentifier(next)]!)
    }

    private func exchange<Answer>(
        _ request: UpstreamRequest, deadline: NIODeadline, reply: (any EventLoop) -> UpstreamExchange.Reply,
        result: (UpstreamExchange.Reply) async throws -> Answer
    ) async throws -> Answer {
        let (loop, connections) = leasingLoop()
        var headers = request.headers
        headers.add(name: "Host", value: request.endpoint.hostHeader)
        headers.add(name: "Content-Length", value: String(request.body.readableBytes))
        let exchange = UpstreamExchange(
            endpoint: request.endpoint,
            head: HTTPRequestHead(version: .http1_1, method: .POST, uri: request.endpoint.target, headers: headers),
            body: request.body, reply: reply(loop))
        return try await withTaskCancellationHandler {
            if loop.inEventLoop {
                begin(exchange, on: connections, deadline: deadline)
            } else {
                loop.execute { self.begin(exchange, on: connections, deadline: deadline) }
            }
            return try await result(exchange.reply)
        } onCancel: {
            loop.execute { exchange.abort(CancellationError()) }
        }
    }

    private func begin(_ exchange: UpstreamExchange, on connections: UpstreamLoopConnections, deadline: NIODeadline) {
        guard !exchange.isOver else { return }
        exchange.expire(at: deadline, on: connections.loop)
        connections.start(exchange)
    }
}

/// The TLS context, made on the first https connection: making it loads and parses the
/// system's trust roots, tens of milliseconds that must not stall an event loop.
final class TLSContextCache: Sendable {
    private let configuration: TLSConfiguration
    private let made = Mutex<NIOSSLContext?>(nil)

    init(configuration: TLSConfiguration) {
        var configuration = configuration
        configuration.applicationProtocols = ["http/1.1"]
        self.configuration = configuration
    }

    /// The context, made on NIO's blocking-work pool the first time.
    func context(on loop: any EventLoop) -> EventLoopFuture<NIOSSLContext> {
        if let context = made.withLock({ $0 }) { return loop.makeSucceededFuture(context) }
        return NIOThreadPool.singleton.runIfActive(eventLoop: loop) { [self] in
            try made.withLock { made in
                if let made { return made }
                let context = try NIOSSLContext(configuration: configuration)
                made = context
                return context
            }
        }
    }
}
