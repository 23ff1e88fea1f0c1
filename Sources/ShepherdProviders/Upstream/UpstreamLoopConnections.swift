import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One upstream connection and the handler that runs its exchanges.
final class UpstreamConnection: @unchecked Sendable {
    let channel: any Channel
    let handler: UpstreamConnectionHandler
    let endpoint: UpstreamEndpoint
    /// When it last finished an exchange, for the idle sweep.
    var idleSince = NIODeadline.now()

    init(channel: any Channel, handler: UpstreamConnectionHandler, endpoint: UpstreamEndpoint) {
        self.channel = channel
        self.handler = handler
        self.endpoint = endpoint
    }
}

/// One event loop's upstream connections: the idle ones by endpoint, newest last, and the
/// connecting of new ones. A request leases a connection of the loop it runs on, so the
/// gateway's connection, its upstream connection and the task between them share a thread.
///
/// Touched only on `loop`.
final class UpstreamLoopConnections: @unchecked Sendable {
    let loop: any EventLoop
    private let configuration: UpstreamConnectionPool.Configuration
    private let tls: TLSContextCache
    private var idle: [UpstreamEndpoint: [UpstreamConnection]] = [:]
    private var sweep: RepeatedTask?
    private var isShutDown = false

    init(loop: any EventLoop, configuration: UpstreamConnectionPool.Configuration, tls: TLSContextCache) {
        self.loop = loop
        self.configuration = configuration
        self.tls = tls
    }

    func start(_ exchange: UpstreamExchange) {
        loop.preconditionInEventLoop()
        guard !isShutDown else {
            exchange.fail(UpstreamConnectionError(.shutdown, "the upstream client is shut down"))
            return
        }
        if let connection = takeIdle(for: exchange.endpoint) {
            connection.handler.start(exchange)
            return
        }
        connect(to: exchange.endpoint).whenComplete { [self] result in
            switch result {
            case .success(let connection):
                // An exchange that timed out while connecting leaves a fresh connection for the next.
                if exchange.isOver {
                    release(connection)
                } else {
                    connection.handler.start(exchange)
                }
            case .failure(let error):
                exchange.fail(UpstreamConnectionError(.connect, "\(exchange.endpoint.hostHeader): \(error)"))
            }
        }
    }

    /// Closes the idle connections; connections still carrying a request close when it ends.
    func shutDown() {
        loop.preconditionInEventLoop()
        isShutDown = true
        sweep?.cancel()
        sweep = nil
        let all = idle.values.joined()
        idle = [:]
        for connection in all { connection.channel.close(promise: nil) }
    }

    private func takeIdle(for endpoint: UpstreamEndpoint) -> UpstreamConnection? {
        while let connection = idle[endpoint]?.popLast() {
            if connection.channel.isActive { return connection }
        }
        return nil
    }

    private func release(_ connection: UpstreamConnection) {
        guard !isShutDown, idle[connection.endpoint, default: []].count < configuration.maxIdleConnectionsPerLoop else {
            connection.channel.close(promise: nil)
            return
        }
        connection.idleSince = .now()
        idle[connection.endpoint, default: []].append(connection)
        if sweep == nil { startSweep() }
    }

    private func forget(_ connection: UpstreamConnection) {
        idle[connection.endpoint]?.removeAll { $0 === connection }
    }

    /// Closes connections idle longer than the idle timeout, twice per timeout, rather than a
    /// timer per connection set and cancelled on every request.
    private func startSweep() {
        let interval = TimeAmount.nanoseconds(configuration.idleTimeout.nanoseconds / 2)
        sweep = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
            let cutoff = NIODeadline.now() - configuration.idleTimeout
            for (endpoint, connections) in idle {
                let (stale, fresh) = (connections.filter { $0.idleSince < cutoff }, connections.filter { $0.idleSince >= cutoff })
                guard !stale.isEmpty else { continue }
                idle[endpoint] = fresh
                for connection in stale { connection.channel.close(promise: nil) }
            }
        }
    }

    private func connect(to endpoint: UpstreamEndpoint) -> EventLoopFuture<UpstreamConnection> {
        guard endpoint.usesTLS else { return connect(to: endpoint, tls: nil) }
        return tls.context(on: loop).flatMap { [self] context in connect(to: endpoint, tls: context) }
    }

    private func connect(to endpoint: UpstreamEndpoint, tls tlsContext: NIOSSLContext?) -> EventLoopFuture<UpstreamConnection> {
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
                let connection = UpstreamConnection(channel: channel, handler: handler, endpoint: endpoint)
                // Each hook holds the connection until the channel closes, which clears them.
                handler.onReusable = { [self] in release(connection) }
                handler.onClose = { [self] in forget(connection) }
                return connection
            }
    }
}
