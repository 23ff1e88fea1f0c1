import Foundation
import Metrics
import ShepherdCore

/// The transport-independent attempt loop shared by the gateway and the SDK's in-process
/// router: a model's targets in the picker's (or rollout's) order, then each `fallbacks:`
/// model's; an open breaker or a full pacing queue skips a target at once; a retryable
/// failure is retried on the same target with full-jitter backoff (Retry-After as a floor)
/// while the request's deadline allows, then the next target is tried. Attempts on the
/// model's own targets feed its rollout's gates.
public struct RoutingEngine: Sendable {
    public let config: GatewayConfig
    public let pickers: [String: TargetPicker]
    public let board: ResilienceBoard
    public let rollouts: RolloutBoard
    let cost: @Sendable (Usage, TargetRef) -> Decimal?
    /// The config's models, providers and request deadlines by name, made once: finding them
    /// on every request walked the config's arrays and built a set of provider names, 1.5 % of
    /// a request's CPU (seventh pass).
    private let directory: Directory

    /// - Parameter cost: the price of an answer's usage on a target, for the rollout's cost gate.
    public init(
        config: GatewayConfig, pickers: [String: TargetPicker]? = nil, board: ResilienceBoard, rollouts: RolloutBoard,
        cost: @escaping @Sendable (Usage, TargetRef) -> Decimal?
    ) {
        self.config = config
        self.pickers = pickers ?? Dictionary(uniqueKeysWithValues: config.models.map { ($0.name, TargetPicker(targets: $0.targets)) })
        self.board = board
        self.rollouts = rollouts
        self.cost = cost
        self.directory = Directory(config)
    }

    /// The rollout's chosen side first, then the model's other targets as fallbacks, never
    /// the side a rollback (or completion) has taken out.
    public static func rolloutOrder(_ decision: RolloutBoard.Decision, model: ModelConfig) -> [Target] {
        let chosen = model.targets.first { $0.ref == decision.target } ?? Target(provider: decision.target.provider, model: decision.target.model)
        let rest = model.targets.filter { $0.ref != decision.target && $0.ref != decision.excluded }
        return [chosen] + rest.sorted { $0.weight > $1.weight }
    }

    /// The config's model of this name, without walking the config's list.
    public func model(named name: String) -> ModelConfig? {
        directory.models[name]
    }

    /// A request's total deadline (``GatewayConfig/requestDeadline(for:)``) for one of the
    /// config's models: they are told apart by name.
    public func deadline(for model: ModelConfig) -> Duration {
        directory.deadlines[model.name] ?? config.requestDeadline(for: model)
    }

    /// Runs the attempts of one request.
    /// - Parameters:
    ///   - eligible: whether a target may serve this request at all (its provider exists
    ///     here, its context window fits).
    ///   - classify: how to treat an error `attempt` threw.
    ///   - attempt: makes one call; returns the answer or throws.
    /// - Throws: the `.clientFault` error, an `.abort`ed error, or a ``RoutingFailure``.
    public func run<Value>(
        _ plan: RoutingPlan, trail: inout AttemptTrail,
        eligible: (Target) -> Bool,
        classify: (any Error) -> AttemptVerdict,
        attempt: (RoutingAttempt) async throws -> RoutedAnswer<Value>
    ) async throws -> RoutedAnswer<Value> {
        let deadline = plan.started.advanced(by: deadline(for: plan.model))
        var skippedByBreaker = 0
        var pacedRetryAfter: Duration?
        for (index, candidate) in ([plan.model.name] + plan.model.fallbacks).enumerated() {
            guard let candidateModel = directory.models[candidate], let picker = pickers[candidate] else { continue }
            if index > 0, trail.count > 0 || skippedByBreaker > 0 {
                Counter(label: "shepherd_fallbacks_total", dimensions: [("model", plan.model.name), ("to", candidate)]).increment()
            }
            let backoff = Backoff(policy: candidateModel.retry)
            let order = index == 0 ? plan.rolloutOrder ?? picker.order(stickyKey: plan.stickyKey) : picker.order(stickyKey: plan.stickyKey)
            targets: for target in order {
                guard let providerConfig = directory.providers[target.provider], eligible(target) else { continue }
                for retry in 0..<candidateModel.retry.attempts {
                    let probe: Bool
                    switch board.admit(target.ref) {
                    case .rejected:
                        if retry == 0 { skippedByBreaker += 1 }
                        continue targets
                    case .probe: probe = true
                    case .allowed: probe = false
                    }
                    switch board.pace(provider: target.provider, tokens: plan.promptTokens) {
                    case .full(let retryAfter):
                        board.release(target.ref, probe: probe)
                        pacedRetryAfter = min(pacedRetryAfter ?? retryAfter, retryAfter)
                        continue targets
                    case .go(let wait) where wait > .zero:
                        defer { board.leaveQueue(target.provider) }
                        Metrics.Timer(label: "shepherd_pacing_wait_seconds", dimensions: [("provider", target.provider)])
                            .recordNanoseconds(Self.nanoseconds(wait))
                        guard ContinuousClock.now.advanced(by: wait) < deadline else {
                            board.release(target.ref, probe: probe)
                            pacedRetryAfter = min(pacedRetryAfter ?? wait, wait)
                            continue targets
                        }
                        do {
                            try await Task.sleep(for: wait)
                        } catch {
                            board.release(target.ref, probe: probe)
                            throw error
                        }
                    case .go: break
                    }
                    guard ContinuousClock.now < deadline else {
                        board.release(target.ref, probe: probe)
                        throw failure(.deadlinePassed, plan, trail)
                    }
                    trail.begin(target)
                    if retry > 0 {
                        Counter(label: "shepherd_retries_total", dimensions: [("provider", target.provider), ("model", target.model)]).increment()
                    }
                    let attemptStarted = ContinuousClock.now
                    let call = RoutingAttempt(
                        target: target, number: trail.count, retry: retry,
                        deadline: min(attemptStarted.advanced(by: .milliseconds(Int64(providerConfig.timeoutSeconds * 1000))), deadline))
                    do {
                        let answer = try await attempt(call)
                        board.record(target.ref, success: true, probe: probe)
                        if index == 0 {
                            rollouts.recordAttempt(
                                model: plan.model.name, target: target.ref, success: true,
                                latencyMs: Double(Self.nanoseconds(attemptStarted.duration(to: .now))) / 1e6,
                                costUSD: answer.usage.flatMap { cost($0, target.ref) })
                        }
                        if let usage = answer.usage {
                            board.settlePacing(provider: target.provider, estimatedTokens: plan.promptTokens, actualTokens: usage.totalTokens)
                        }
                        return answer
                    } catch {
                        switch classify(error) {
                        case .abort:
                            board.release(target.ref, probe: probe)
                            throw error
                        case .clientFault(let fault):
                            board.record(target.ref, success: true, probe: probe)
                            throw fault
                        case .failed(let retryable, let retryAfterSeconds):
                            board.record(target.ref, success: false, probe: probe)
                            if index == 0 {
                                rollouts.recordAttempt(
                                    model: plan.model.name, target: target.ref, success: false,
                                    latencyMs: Double(Self.nanoseconds(attemptStarted.duration(to: .now))) / 1e6, costUSD: nil)
                            }
                            trail.fail(target, error)
                            guard retryable, retry + 1 < candidateModel.retry.attempts else { continue targets }
                            let delay = backoff.delay(retry: retry, retryAfter: retryAfterSeconds)
                            guard ContinuousClock.now.advanced(by: delay) < deadline else { continue targets }
                            try await Task.sleep(for: delay)
                        }
                    }
                }
            }
        }
        if trail.count == 0 {
            if let pacedRetryAfter { throw failure(.paced(retryAfter: pacedRetryAfter), plan, trail) }
            if skippedByBreaker > 0 { throw failure(.breakersOpen, plan, trail) }
        }
        if ContinuousClock.now >= deadline { throw failure(.deadlinePassed, plan, trail) }
        throw failure(.exhausted, plan, trail)
    }

    public static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    private func failure(_ reason: RoutingFailure.Reason, _ plan: RoutingPlan, _ trail: AttemptTrail) -> RoutingFailure {
        RoutingFailure(reason: reason, model: plan.model.name, attempts: trail.count, elapsed: plan.started.duration(to: .now))
    }

    private struct Directory: Sendable {
        let models: [String: ModelConfig]
        let providers: [String: ProviderConfig]
        let deadlines: [String: Duration]

        init(_ config: GatewayConfig) {
            // The first of a name wins, as in `GatewayConfig.model(named:)`.
            models = Dictionary(config.models.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            providers = Dictionary(config.providers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            deadlines = models.mapValues { config.requestDeadline(for: $0) }
        }
    }
}
