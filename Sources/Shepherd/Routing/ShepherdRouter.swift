import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ShepherdCore
import ShepherdLedger
import ShepherdProviders
import ShepherdRouting

/// The gateway's routing in-process: the same ``RoutingEngine`` (weights, stickiness,
/// retries with Retry-After, fallbacks, breakers, pacing, rollouts with gates and
/// rollback, shadow traffic) over the same providers, driven by a ``GatewayConfig`` value
/// or the gateway's YAML. Each call reports its target, attempts, usage and cost; a
/// ledger, when given, gets the gateway's row per call.
public final class ShepherdRouter: ChatCompleting {
    public let config: GatewayConfig
    /// Breakers and provider pacing (their state is per router).
    public let board: ResilienceBoard
    /// Rollouts and shadow summaries.
    public let rollouts: RolloutBoard
    public let costs: CostCalculator
    let engine: RoutingEngine
    let contextFit: ContextFit
    let providers: [String: any ChatProvider]
    let ledger: (any LedgerStore)?
    let logger: Logger
    let shadowLimiter = ShadowLimiter(maxConcurrent: 32)

    /// - Parameters:
    ///   - httpClient: for the providers; defaults to the SDK's shared client.
    ///   - ledger: where one usage row per call goes (e.g. ``SQLiteLedgerStore``); none by default.
    ///   - now: the clock of breakers and pacing; `wallClock` the one of rollout holds (tests move them by hand).
    public init(
        config: GatewayConfig, httpClient: HTTPClient? = nil, ledger: (any LedgerStore)? = nil,
        logger: Logger = Logger(label: "shepherd.router"), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.config = config
        self.logger = logger
        self.ledger = ledger
        let client = httpClient ?? SDKHTTPClient.shared
        var providers: [String: any ChatProvider] = [:]
        for provider in config.providers {
            switch provider.kind {
            case .openai: providers[provider.name] = OpenAIProvider(config: provider, client: client)
            case .anthropic: providers[provider.name] = AnthropicProvider(config: provider, client: client)
            case .gemini: providers[provider.name] = GeminiProvider(config: provider, client: client)
            case .mock: providers[provider.name] = MockProvider(config: provider)
            }
        }
        self.providers = providers
        let costs = CostCalculator(prices: config.pricing)
        self.costs = costs
        self.board = ResilienceBoard(config: config, now: now)
        self.rollouts = RolloutBoard(config: config, now: wallClock)
        self.engine = RoutingEngine(config: config, board: board, rollouts: rollouts) { costs.cost(of: $0, at: $1) }
        self.contextFit = ContextFit(config: config) { costs.contextWindow(for: $0) }
    }

    /// A router from the gateway's YAML; `env:` references resolve in `environment`.
    public convenience init(
        yaml: String, environment: [String: String] = ProcessInfo.processInfo.environment, httpClient: HTTPClient? = nil,
        ledger: (any LedgerStore)? = nil, logger: Logger = Logger(label: "shepherd.router"),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }, wallClock: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        let config = try ConfigLoader.parse(yaml, environment: environment)
        self.init(config: config, httpClient: httpClient, ledger: ledger, logger: logger, now: now, wallClock: wallClock)
    }

    /// A router from a `shepherd.yaml` file, with the `.env` beside it.
    public convenience init(configFile path: String, httpClient: HTTPClient? = nil, ledger: (any LedgerStore)? = nil) throws {
        self.init(config: try ConfigLoader.load(path: path), httpClient: httpClient, ledger: ledger)
    }

    public func complete(_ request: ChatCompletionRequest) async throws -> ChatCompletion {
        try await route(request).completion
    }

    /// Judges every rollout's gates now (advancing, pausing or rolling back). The router
    /// also does this after every call.
    @discardableResult
    public func evaluateRollouts() -> [RolloutEvent] {
        let events = rollouts.evaluate()
        for event in events {
            logger.notice("rollout \(event.kind.rawValue)", metadata: ["shepherd.model": "\(event.model)"])
        }
        return events
    }

    /// Answers a non-stream request through the engine.
    public func route(_ request: ChatCompletionRequest) async throws -> RoutedCompletion {
        var request = request
        request.stream = nil
        request.streamOptions = nil
        let (answer, call) = try await run(request) { reply, target in
            let completion = try Self.completion(from: reply, target: target)
            return RoutedAnswer(completion, usage: completion.usage, target: target)
        }
        let cost = answer.usage.flatMap { costs.cost(of: $0, at: answer.target.ref) }
        await record(call, target: answer.target, status: 200, usage: answer.usage, cost: cost)
        mirror(call.inbound, model: call.model, requestID: call.requestID, primary: answer.value, primaryCost: cost)
        return RoutedCompletion(
            completion: answer.value, target: answer.target.ref, attempts: call.attempts, usage: answer.usage, costUSD: cost,
            rolloutStep: call.step, requestID: call.requestID)
    }

    /// One routed call's facts, for its ledger row.
    struct CallRecord: Sendable {
        var requestID: String
        var inbound: InboundChatRequest
        var model: ModelConfig
        var step: Int?
        var attempts: Int
        var started: ContinuousClock.Instant
    }

    /// Runs a request through the engine; `answer` turns a provider's reply into the value
    /// the caller wants (throwing ``UpstreamFailure`` for an unusable one). A failed
    /// request gets its ledger row here and throws a ``ShepherdError``.
    func run<Value>(
        _ request: ChatCompletionRequest, answer: (UpstreamReply, Target) async throws -> RoutedAnswer<Value>
    ) async throws -> (RoutedAnswer<Value>, CallRecord) {
        let started = ContinuousClock.now
        let requestID = "req-" + UUID().uuidString.lowercased()
        let (inbound, requested) = try prepare(request)
        let sized: ContextFit.Decision
        do {
            sized = try contextFit.check(request, bodyBytes: inbound.body.count, model: requested)
        } catch {
            throw ErrorDecoding.error(error)
        }
        let model = sized.model
        let stickyKey = model.sticky == .user ? request.user : nil
        let decision = model.name == requested.name ? rollouts.decide(model: model.name, stickyKey: stickyKey) : nil
        let plan = RoutingPlan(
            model: model, stickyKey: stickyKey, rolloutOrder: decision.map { RoutingEngine.rolloutOrder($0, model: model) },
            promptTokens: TokenEstimate.prompt(request.messages), started: started)
        var trail = AttemptTrail()
        let providers = self.providers
        let logger = self.logger
        let contextFit = self.contextFit
        defer { evaluateRollouts() }
        do {
            let routed = try await engine.run(
                plan, trail: &trail, eligible: { providers[$0.provider] != nil && contextFit.fits($0, sized.requiredTokens) },
                classify: Self.verdict(on:),
                attempt: { routed in
                    guard let provider = providers[routed.target.provider] else {
                        throw UpstreamFailure(provider: routed.target.provider, model: routed.target.model, kind: .transport, message: "no such provider")
                    }
                    let call = UpstreamCall(request: inbound, target: routed.target, requestID: requestID, deadline: routed.deadline, logger: logger)
                    return try await answer(try await provider.complete(call), routed.target)
                })
            let record = CallRecord(
                requestID: requestID, inbound: inbound, model: model, step: decision?.step, attempts: trail.count, started: started)
            return (routed, record)
        } catch {
            let failure = Self.error(error, trail: trail)
            let record = CallRecord(
                requestID: requestID, inbound: inbound, model: model, step: decision?.step, attempts: trail.count, started: started)
            await self.record(record, target: trail.lastTarget, status: (failure as? ShepherdError)?.status ?? 500, usage: nil, cost: nil)
            throw failure
        }
    }

    /// The request as the providers take it, and the model that serves it.
    func prepare(_ request: ChatCompletionRequest) throws -> (InboundChatRequest, ModelConfig) {
        let inbound: InboundChatRequest
        do {
            inbound = try InboundChatRequest(body: Array(try JSONEncoder().encode(request)))
        } catch let error as GatewayError {
            throw ErrorDecoding.error(error)
        } catch {
            throw ShepherdError(.invalidRequest(param: nil), "The request could not be encoded: \(error)")
        }
        guard let model = config.model(named: request.model) else {
            throw ShepherdError(
                .modelNotFound, "The model '\(request.model)' is not configured; known: \(config.models.map(\.name).joined(separator: ", ")).",
                status: 404, code: GatewayError.Code.modelNotFound.rawValue)
        }
        return (inbound, model)
    }

    static func completion(from reply: UpstreamReply, target: Target) throws -> ChatCompletion {
        guard case .complete(let body, let usage) = reply else {
            throw UpstreamFailure(provider: target.provider, model: target.model, kind: .invalidResponse, message: "a stream answered a non-stream request")
        }
        guard var completion = try? JSONDecoder().decode(ChatCompletion.self, from: Data(body.readableBytesView)) else {
            throw UpstreamFailure(provider: target.provider, model: target.model, kind: .invalidResponse, message: "the answer is not a chat completion")
        }
        if completion.usage == nil { completion.usage = usage }
        return completion
    }

    /// How the engine treats a provider's error: the gateway's rules (ChatProxy+Forward).
    static func verdict(on error: any Error) -> AttemptVerdict {
        guard let failure = error as? UpstreamFailure else { return .abort }
        if failure.isClientFault {
            return .clientFault(
                ShepherdError(
                    .invalidRequest(param: nil), "The upstream \(failure.provider) rejected the request (\(failure.outcome)): \(failure.message)",
                    status: failure.status, code: GatewayError.Code.invalidRequest.rawValue))
        }
        return .failed(retryable: failure.isRetryable, retryAfterSeconds: failure.retryAfterSeconds)
    }

    /// The error a caller gets, as the gateway would have answered it (SPEC §4).
    static func error(_ error: any Error, trail: AttemptTrail) -> any Error {
        if let error = error as? ShepherdError { return error }
        if let error = error as? GatewayError { return ErrorDecoding.error(error) }
        guard let failure = error as? RoutingFailure else { return error }
        if let gateway = failure.gatewayError { return ErrorDecoding.error(gateway) }
        let failures = trail.failures.compactMap { $0 as? UpstreamFailure }
        guard let last = failures.last else {
            return ErrorDecoding.error(GatewayError(.noHealthyUpstream, "No upstream was available for '\(failure.model)'."))
        }
        let summary = failures.map { "\($0.provider)/\($0.model): \($0.outcome)" }.joined(separator: "; ")
        if failures.allSatisfy({ $0.kind == .timeout }) {
            return ErrorDecoding.error(GatewayError(.upstreamTimeout, "Every upstream attempt timed out (\(summary))."))
        }
        if last.status == 429 {
            return ErrorDecoding.error(
                GatewayError(
                    .rateLimitExceeded, "The upstream is rate limiting this model (\(summary)); retry later.",
                    retryAfterSeconds: last.retryAfterSeconds.map { max(1, Int($0.rounded(.up))) } ?? 1))
        }
        return ErrorDecoding.error(
            GatewayError(.upstreamError, "All \(failures.count) upstream attempt(s) failed; the last answered \(last.outcome): \(last.message) (\(summary))."))
    }

    /// One ledger row, as the gateway writes it; a failed write is logged, never thrown.
    func record(_ call: CallRecord, target: Target?, status: Int, usage: Usage?, cost: Decimal?, shadow: Bool = false) async {
        guard let ledger else { return }
        let elapsed = Int(RoutingEngine.nanoseconds(call.started.duration(to: .now)) / 1_000_000)
        let row = UsageRecord(
            id: shadow ? call.requestID + "-shadow" : call.requestID, publicModel: call.model.name, provider: target?.provider ?? "",
            targetModel: target?.model ?? "", attempts: shadow ? 1 : call.attempts, status: status,
            inputTokens: usage?.promptTokens ?? 0, cachedInputTokens: usage?.cachedTokens ?? 0,
            outputTokens: usage?.completionTokens ?? 0, costUSD: cost ?? 0, priced: cost != nil || usage == nil,
            firstByteMs: elapsed, totalMs: elapsed, rolloutStep: shadow ? nil : call.step, shadow: shadow)
        do {
            try await ledger.append([row])
        } catch {
            logger.error("ledger write failed", metadata: ["shepherd.request_id": "\(call.requestID)"])
        }
    }
}

/// One routed answer and what it took.
public struct RoutedCompletion: Sendable {
    public var completion: ChatCompletion
    /// The provider and model that answered.
    public var target: TargetRef
    public var attempts: Int
    public var usage: Usage?
    /// USD, exact; nil when the target has no price.
    public var costUSD: Decimal?
    /// The rollout step that routed it, while one runs.
    public var rolloutStep: Int?
    public var requestID: String
}
