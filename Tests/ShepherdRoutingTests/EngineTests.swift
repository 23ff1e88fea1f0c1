import Foundation
import Synchronization
import ShepherdCore
import Testing

@testable import ShepherdRouting

/// The shared attempt loop, with a scripted upstream and a manual clock for breakers.
@Suite("RoutingEngine")
struct EngineTests {
    struct Failure: Error {
        var retryable = true
        var clientFault = false
        var retryAfter: Double?
    }

    static func engine(_ yaml: String, clock: ManualClock) throws -> RoutingEngine {
        let config = try ConfigLoader.parse(yaml)
        return RoutingEngine(
            config: config, board: ResilienceBoard(config: config, now: { clock.now }), rollouts: RolloutBoard(config: config),
            cost: { usage, _ in Decimal(usage.totalTokens) })
    }

    static func verdict(_ error: any Error) -> AttemptVerdict {
        guard let failure = error as? Failure else { return .abort }
        if failure.clientFault { return .clientFault(failure) }
        return .failed(retryable: failure.retryable, retryAfterSeconds: failure.retryAfter)
    }

    static let yaml = """
        providers:
          a: { kind: mock }
          b: { kind: mock }
        models:
          chat:
            targets: [{ provider: a, model: one }]
            retry: { attempts: 2, base_ms: 0, max_ms: 0 }
            breaker: { window: 2, min_requests: 2, failure_rate: 0.5, open_s: 10 }
            fallbacks: [spare]
          spare:
            targets: [{ provider: b, model: two }]
        """

    /// A model whose rollout sends all of its traffic to `b/two` from the first step.
    static let rolloutYAML = """
        providers:
          a: { kind: mock }
          b: { kind: mock }
        models:
          chat:
            targets: [{ provider: a, model: one }, { provider: b, model: two, weight: 0 }]
            rollout: { from: a/one, to: b/two, steps: [100], hold: { requests: 1, minutes: 0 } }
        """

    func run(
        _ engine: RoutingEngine, trail: inout AttemptTrail, answer: @escaping (RoutingAttempt) throws -> String
    ) async throws -> RoutedAnswer<String> {
        let model = try #require(engine.config.model(named: "chat"))
        return try await engine.run(
            RoutingPlan(model: model, promptTokens: 10), trail: &trail, eligible: { _ in true }, classify: Self.verdict,
            attempt: { attempt in RoutedAnswer(try answer(attempt), usage: Usage(promptTokens: 1, completionTokens: 1), target: attempt.target) })
    }

    @Test("retries a retryable failure on the same target, then falls back to the next model")
    func retryThenFallback() async throws {
        let engine = try Self.engine(Self.yaml, clock: ManualClock())
        var trail = AttemptTrail()
        let answer = try await run(engine, trail: &trail) { attempt in
            if attempt.target.provider == "a" { throw Failure() }
            return "from \(attempt.target.provider) #\(attempt.number)"
        }
        #expect(answer.value == "from b #3")
        #expect(trail.count == 3)
        #expect(trail.failures.count == 2)
    }

    @Test("a client fault ends the request at once and counts as a healthy upstream")
    func clientFault() async throws {
        let engine = try Self.engine(Self.yaml, clock: ManualClock())
        var trail = AttemptTrail()
        await #expect(throws: Failure.self) {
            _ = try await run(engine, trail: &trail) { _ in throw Failure(clientFault: true) }
        }
        #expect(trail.count == 1)
        #expect(engine.board.admit(TargetRef(provider: "a", model: "one")) == .allowed)
    }

    @Test("open breakers skip their targets; with none left the failure says so, until the clock moves on")
    func breakers() async throws {
        let clock = ManualClock()
        let engine = try Self.engine(Self.yaml.replacingOccurrences(of: "fallbacks: [spare]", with: "fallbacks: []"), clock: clock)
        var trail = AttemptTrail()
        await #expect { _ = try await run(engine, trail: &trail) { _ in throw Failure() } } throws: {
            ($0 as? RoutingFailure)?.reason == .exhausted
        }
        var second = AttemptTrail()
        await #expect { _ = try await run(engine, trail: &second) { _ in "never" } } throws: {
            ($0 as? RoutingFailure)?.reason == .breakersOpen
        }
        #expect(second.count == 0)
        clock.advance(by: .seconds(11))
        var third = AttemptTrail()
        #expect(try await run(engine, trail: &third) { _ in "probe" }.value == "probe")
    }

    @Test("attempts on the model's own targets feed its rollout; the rollout order is followed")
    func rolloutOrder() async throws {
        let engine = try Self.engine(Self.rolloutYAML, clock: ManualClock())
        let model = try #require(engine.config.model(named: "chat"))
        let decision = try #require(engine.rollouts.decide(model: "chat", stickyKey: nil))
        let order = RoutingEngine.rolloutOrder(decision, model: model)
        #expect(order.first?.ref == TargetRef(provider: "b", model: "two"))
        var trail = AttemptTrail()
        let answer = try await engine.run(
            RoutingPlan(model: model, rolloutOrder: order, promptTokens: 1), trail: &trail, eligible: { _ in true },
            classify: Self.verdict, attempt: { RoutedAnswer($0.target.provider, usage: nil, target: $0.target) })
        #expect(answer.value == "b")
        #expect(engine.rollouts.report(model: "chat") != nil)
    }

    @Test("an answer is priced for the rollout board only when a rollout watches its model")
    func pricedOnlyForRollouts() async throws {
        let pricings = Mutex(0)
        func engine(_ yaml: String) throws -> RoutingEngine {
            let config = try ConfigLoader.parse(yaml)
            return RoutingEngine(
                config: config, board: ResilienceBoard(config: config, now: { ManualClock().now }), rollouts: RolloutBoard(config: config),
                cost: { usage, _ in
                    pricings.withLock { $0 += 1 }
                    return Decimal(usage.totalTokens)
                })
        }
        var trail = AttemptTrail()
        _ = try await run(try engine(Self.yaml), trail: &trail) { _ in "plain" }
        #expect(pricings.withLock { $0 } == 0)

        let watched = try engine(Self.rolloutYAML)
        trail = AttemptTrail()
        _ = try await run(watched, trail: &trail) { _ in "watched" }
        #expect(pricings.withLock { $0 } == 1)
    }
}
