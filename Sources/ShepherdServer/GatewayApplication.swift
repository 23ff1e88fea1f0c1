import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import ShepherdCore
import ShepherdLedger
import ShepherdProviders
import ShepherdRouting
import Foundation

/// Everything `shepherd serve` runs, built from a validated configuration.
public struct GatewayApplication: Sendable {
    public let config: GatewayConfig
    let proxy: ChatProxy
    let keyStore: (any KeyStore)?
    let drain = DrainState()
    /// The providers' connections to their upstreams.
    let upstreamPool: UpstreamConnectionPool
    let logger: Logger
    public let board: ResilienceBoard
    public let ledger: any LedgerStore
    let ledgerWriter: LedgerWriter
    public let rollouts: RolloutBoard
    let rolloutService: RolloutService
    let traffic: TrafficRecorder

    /// - Parameters:
    ///   - keyStore: where virtual keys live; opened from `config.storage` when nil.
    ///   - ledger: where usage rows and budgets live; opened from `config.storage` when nil.
    ///   - now: the clock of breakers and limiters (tests move it by hand).
    public init(
        config: GatewayConfig, keyStore: (any KeyStore)? = nil, ledger: (any LedgerStore)? = nil,
        logger: Logger = Logger(label: "shepherd"), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        wallClock: @escaping @Sendable () -> Date = { Date() }, rolloutInterval: Duration = .seconds(1)
    ) throws {
        // Before any part makes its metric handles: a handle made earlier stays a no-op.
        GatewayMetrics.bootstrap()
        self.config = config
        self.logger = logger
        do {
            self.ledger = try ledger ?? LedgerStores.open(for: config, logger: logger)
        } catch {
            throw GatewayError(.internalError, "cannot open the ledger: \(error)")
        }
        let store: any KeyStore
        do {
            // With PostgreSQL the ledger's store holds the keys too, on the same connections.
            store = try keyStore ?? LedgerStores.openKeys(for: config, sharing: self.ledger, logger: logger)
        } catch {
            throw GatewayError(.internalError, "cannot open the key store: \(error)")
        }
        self.keyStore = store
        self.ledgerWriter = LedgerWriter(store: self.ledger, logger: logger)
        self.upstreamPool = UpstreamConnectionPool()
        var providers: [String: any ChatProvider] = [:]
        for provider in config.providers {
            switch provider.kind {
            case .openai: providers[provider.name] = OpenAIProvider(config: provider, pool: upstreamPool)
            case .mock: providers[provider.name] = MockProvider(config: provider)
            case .gemini: providers[provider.name] = GeminiProvider(config: provider, pool: upstreamPool)
            case .anthropic: providers[provider.name] = AnthropicProvider(config: provider, pool: upstreamPool)
            }
        }
        let costs = CostCalculator(prices: config.pricing)
        let rollouts = RolloutBoard(config: config, now: wallClock)
        self.rollouts = rollouts
        // Rollout state lives beside the keys: in the SQLite file, or in the PostgreSQL database
        // through the ledger's own store (so it shares its connections and its run()).
        let rolloutStore = try? LedgerStores.openRollouts(for: config, sharing: self.ledger, logger: logger)
        self.rolloutService = RolloutService(board: rollouts, store: rolloutStore, interval: rolloutInterval, logger: logger)
        traffic = TrafficRecorder(config: config, now: wallClock)
        let accounting = Accounting(writer: ledgerWriter, store: self.ledger, costs: costs, traffic: traffic)
        let board = ResilienceBoard(config: config, now: now)
        self.board = board
        proxy = ChatProxy(
            config: config, providers: providers,
            engine: RoutingEngine(config: config, board: board, rollouts: rollouts) { costs.cost(of: $0, at: $1) },
            authenticator: KeyAuthenticator(store: config.server.auth == .keys ? store : nil),
            drain: drain, costs: costs, board: board,
            accounting: accounting,
            preflight: Preflight(config: config, costs: costs), rollouts: rollouts,
            shadow: ShadowMirror(
                config: config, providers: providers, accounting: accounting, rollouts: rollouts,
                limiter: ShadowLimiter(maxConcurrent: 32)))
    }

    public func buildRouter() -> Router<GatewayRequestContext> {
        GatewayMetrics.bootstrap()
        let router = Router(context: GatewayRequestContext.self)
        router.middlewares.add(ErrorEnvelopeMiddleware())
        let proxy = self.proxy
        router.post("/v1/chat/completions") { request, context in try await proxy.handle(request, context: context) }
        router.post("/chat/completions") { request, context in try await proxy.handle(request, context: context) }
        DialectRoutes(proxy: proxy).register(on: router)
        SystemRoutes(config: config, keyStore: keyStore, drain: drain, authenticator: proxy.authenticator).register(on: router)
        AdminRoutes(adminKey: config.server.adminKey, keyStore: keyStore, config: config, board: board, ledger: ledger).register(on: router)
        RolloutRoutes(adminKey: config.server.adminKey, rollouts: rollouts, service: rolloutService).register(on: router)
        TrafficRoutes(adminKey: config.server.adminKey, recorder: traffic, config: config, rollouts: rollouts).register(on: router)
        DashboardRoutes().register(on: router)
        return router
    }

    /// The Hummingbird application with its long-lived services; run it with
    /// `runService()` or inside a ServiceGroup.
    public func makeApplication(port: Int? = nil, host: String? = nil, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        var app = Application(
            router: buildRouter(),
            server: .eventLoopBoundHTTP1(),
            configuration: .init(address: .hostname(host ?? config.server.host, port: port ?? config.server.port), serverName: nil),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        // Shut down in reverse order: the server drains, then the upstream client closes, then
        // the ledger writer flushes, then a PostgreSQL ledger disconnects.
        if let service = ledger as? any Service { app.addServices(service) }
        app.addServices(ledgerWriter, rolloutService, UpstreamPoolService(pool: upstreamPool), DrainWatcher(state: drain))
        let rolloutService = self.rolloutService
        let config = self.config
        app.beforeServerStarts { await rolloutService.restore(config: config) }
        return app
    }
}

/// Closes the upstream connections after the server has drained.
struct UpstreamPoolService: Service {
    let pool: UpstreamConnectionPool
    func run() async throws {
        try? await gracefulShutdown()
        await pool.shutdown()
    }
}
