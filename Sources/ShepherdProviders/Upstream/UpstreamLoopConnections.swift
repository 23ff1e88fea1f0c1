import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One upstream connection and the handler that runs its exchanges.
final class UpstreamConnection: @unchecked Sendable {
    let channel: any Channel
    let handler: UpstreamConnectionHandler
    /// The loop's connections to its upstream, of which it is one.
    let lane: UpstreamLane
    /// When it last finished an exchange, for the idle sweep.
    var idleSince = NIODeadline.now()

    init(channel: any Channel, handler: UpstreamConnectionHandler, lane: UpstreamLane) {
        self.channel = channel
        self.handler = handler
        self.lane = lane
    }
}

/// One event loop's connections to one upstream: the idle ones (newest last), how many are
/// open or opening, and the exchanges waiting for one because that count is at the loop's share
/// of the cap. Waiters are served in order, by a connection that becomes free or, when one
/// closes, by a new one.
///
/// Touched only on its loop.
final class UpstreamLane: @unchecked Sendable {
    // @unchecked: touched only on its loop, like the other per-loop state here.
    let endpoint: UpstreamEndpoint
    var idle: [UpstreamConnection] = []
    var open = 0
    var waiting = CircularBuffer<UpstreamExchange>()

    init(endpoint: UpstreamEndpoint) {
        self.endpoint = endpoint
    }

    /// The next waiter still wanting a connection; those that timed out or were cancelled
    /// meanwhile are dropped.
    func nextWaiter() -> UpstreamExchange? {
        while let exchange = waiting.popFirst() {
            if !exchange.isOver { return exchange }
        }
        return nil
    }
}

/// One event loop's upstream connections, by endpoint, and the connecting of new ones. A
/// request leases a connection of the loop it runs on, so the gateway's connection, its
/// upstream connection and the task between them share a thread.
///
/// Touched only on `loop`.
final class UpstreamLoopConnections: @unchecked Sendable {
    let loop: any EventLoop
    private let configuration: UpstreamConnectionPool.Configuration
    private let tls: TLSContextCache
    /// This loop's share of ``UpstreamConnectionPool/Configuration/maxConnectionsPerUpstream``.
    private let maxOpenPerLane: Int
    private var lanes: [UpstreamEndpoint: UpstreamLane] = [:]
    private var sweep: RepeatedTask?
    private var isShutDown = false

    init(loop: any EventLoop, configuration: UpstreamConnectionPool.Configuration, loopCount: Int, tls: TLSContextCache) {
        self.loop = loop
        self.configuration = configuration
        self.maxOpenPerLane = max(1, configuration.maxConnectionsPerUpstream / max(1, loopCount))
        self.tls = tls
    }

    func start(_ exchange: UpstreamExchange) {
        loop.preconditionInEventLoop()
        guard !isShutDown else {
            exchange.fail(UpstreamConnectionError(.shutdown, "the upstream client is shut down"))
            return
        }
        let lane = lane(for: exchange.endpoint)
        if let connection = takeIdle(from: lane) {
            connection.handler.start(exchange)
        } else if lane.open < maxOpenPerLane {
            open(lane, for: exchange)
        } else {
            // Waiters that gave up are dropped when reached; past 64, also each time the queue
            // doubles, so that a long stall does not keep their bodies.
            if lane.waiting.count >= 64, lane.waiting.count.nonzeroBitCount == 1 { lane.waiting.removeAll { $0.isOver } }
            lane.waiting.append(exchange)
        }
    }

    /// Closes the idle connections and fails the waiting exchanges; connections still carrying
    /// a request close when it ends.
    func shutDown() {
        loop.preconditionInEventLoop()
        isShutDown = true
        sweep?.cancel()
        sweep = nil
        for lane in lanes.values {
            let idle = lane.idle
            lane.idle = []
            for connection in idle { connection.channel.close(promise: nil) }
            while let waiter = lane.nextWaiter() {
                waiter.fail(UpstreamConnectionError(.shutdown, "the upstream client is shut down"))
            }
        }
    }

    private func lane(for endpoint: UpstreamEndpoint) -> UpstreamLane {
        if let lane = lanes[endpoint] { return lane }
        let lane = UpstreamLane(endpoint: endpoint)
        lanes[endpoint] = lane
        return lane
    }

    private func takeIdle(from lane: UpstreamLane) -> UpstreamConnection? {
        while let connection = lane.idle.popLast() {
            if connection.channel.isActive { return connection }
        }
        return nil
    }

    /// Opens a connection for `exchange`, counted against the lane's cap from now until it closes.
    private func open(_ lane: UpstreamLane, for exchange: UpstreamExchange) {
        lane.open += 1
        connect(to: lane).whenComplete { [self] result in
            switch result {
            case .success(let connection):
                // An exchange that timed out while connecting leaves a fresh connection for the next.
                if exchange.isOver {
                    release(connection)
                } else {
                    connection.handler.start(exchange)
                }
            case .failure(let error):
                lane.open -= 1
                exchange.fail(UpstreamConnectionError(.connect, "\(exchange.endpoint.hostHeader): \(error)"))
                // A waiter gets its own try rather than this error: the next connect may succeed.
                if !isShutDown, let waiter = lane.nextWaiter() { open(lane, for: waiter) }
            }
        }
    }

    /// A connection that can carry another request: the next waiter's, or kept idle.
    private func release(_ connection: UpstreamConnection) {
        let lane = connection.lane
        if !isShutDown, let waiter = lane.nextWaiter() {
            connection.handler.start(waiter)
            return
        }
        guard !isShutDown, lane.idle.count < configuration.maxIdleConnectionsPerLoop else {
            connection.channel.close(promise: nil)
            return
        }
        connection.idleSince = .now()
        lane.idle.append(connection)
        if sweep == nil { startSweep() }
    }

    /// A connection closed: its place under the cap goes to the next waiter, on a new connection.
    private func forget(_ connection: UpstreamConnection) {
        let lane = connection.lane
        lane.open -= 1
        lane.idle.removeAll { $0 === connection }
        if !isShutDown, let waiter = lane.nextWaiter() { open(lane, for: waiter) }
    }

    /// Closes connections idle longer than the idle timeout, twice per timeout, rather than a
    /// timer per connection set and cancelled on every request.
    private func startSweep() {
        let interval = TimeAmount.nanoseconds(configuration.idleTimeout.nanoseconds / 2)
        sweep = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
            let cutoff = NIODeadline.now() - configuration.idleTimeout
            for lane in lanes.values {
                let stale = lane.idle.filter { $0.idleSince < cutoff }
                guard !stale.isEmpty else { continue }
                lane.idle.removeAll { $0.idleSince < cutoff }
                for connection in stale { connection.channel.close(promise: nil) }
            }
        }
    }

    private func connect(to lane: UpstreamLane) -> EventLoopFuture<UpstreamConnection> {
        guard lane.endpoint.usesTLS else { return connect(to: lane, tls: nil) }
        return tls.context(on: loop).flatMap { [self] context in connect(to: lane, tls: context) }
    }

    private func connect(to lane: UpstreamLane, tls tlsContext: NIOSSLContext?) -> EventLoopFuture<UpstreamConnection> {
        let endpoint = lane.endpoint
        let handler = UpstreamConnectionHandler(maxResponseBytes: configuration.maxResponseBytes)
        let serverName = endpoint.hostIsIPAddress ? nil : endpoint.host
        return ClientBootstrap(group: loop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tlsContext {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
                    }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(handler)
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .map { [self] channel in
                let connection = UpstreamConnection(channel: channel, handler: handler, lane: lane)
                // Each hook holds the connection until the channel closes, which clears them.
                handler.onReusable = { [self] in release(connection) }
                handler.onClose = { [self] in forget(connection) }
                return connection
            }
    }
}
