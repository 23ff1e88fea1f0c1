import Foundation
import ShepherdCore
import ShepherdLedger
import ShepherdRouting
import Synchronization
import Testing

@testable import Shepherd

/// The routing engine in-process: the gateway's migration, without a gateway.
@Suite("ShepherdRouter in-process")
struct ShepherdRouterTests {
    final class WallClock: Sendable {
        private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { current.withLock { $0 } }
        func advance(minutes: Double) { current.withLock { $0 = $0.addingTimeInterval(minutes * 60) } }
    }

    final class Clock: Sendable {
        private let current = Mutex(ContinuousClock.now)
        var now: ContinuousClock.Instant { current.withLock { $0 } }
        func advance(by duration: Duration) { current.withLock { $0 = $0.advanced(by: duration) } }
    }

    /// The same plan as the gateway's MigrationTests.
    static func yaml(candidatePort: Int) -> String {
        """
        providers:
          legacy: { kind: mock }
          relay:  { kind: openai, base_url: http://127.0.0.1:\(candidatePort)/v1 }
        models:
          chat:
            targets: [{ provider: legacy, model: gpt-4o }, { provider: relay, model: flash, weight: 0 }]
            rollout:
              from: legacy/gpt-4o
              to: relay/flash
              steps: [20, 50, 100]
              hold: { requests: 20, minutes: 1 }
              gates: { max_error_rate: 0.05 }
              on_gate_failure: rollback
        """
    }

    func drive(_ router: ShepherdRouter, _ count: Int) async throws -> [String: Int] {
        var served: [String: Int] = [:]
        for index in 0..<count {
            let routed = try await router.route(ChatCompletionRequest(model: "chat", messages: [.user("request \(index)")]))
            served[routed.target.provider, default: 0] += 1
        }
        return served
    }

    /// At least `count` calls and at least one served by the candidate: a step is promoted only
    /// once its canary has answered, and at 20 % a fixed 25 calls miss it 0.4 % of the time.
    /// Bounded at 400 calls.
    func driveThroughStep(_ router: ShepherdRouter, _ count: Int) async throws -> [String: Int] {
        var served = try await drive(router, count)
        var total = count
        while served["relay", default: 0] == 0 && total < 400 {
            served.merge(try await drive(router, 10), uniquingKeysWith: +)
            total += 10
        }
        return served
    }

    @Test("a candidate that starts failing is rolled back automatically and then gets nothing")
    func automaticRollback() async throws {
        let upstream = FakeOpenAI()
        let clock = WallClock()
        try await upstream.run { port in
            let router = try ShepherdRouter(yaml: Self.yaml(candidatePort: port), environment: [:], wallClock: { clock.now })
            let first = try await driveThroughStep(router, 25)
            #expect((first["relay"] ?? 0) > 0)
            clock.advance(minutes: 1.5)
            router.evaluateRollouts()
            #expect(router.rollouts.report(model: "chat")?.share == 50)
            upstream.failing.store(true, ordering: .relaxed)
            // Failed candidate attempts fall back to legacy: callers still get answers.
            let during = try await drive(router, 25)
            #expect(during.values.reduce(0, +) == 25)
            clock.advance(minutes: 1.5)
            router.evaluateRollouts()
            #expect(router.rollouts.report(model: "chat")?.phase == "rolled_back")
            let before = upstream.received.load(ordering: .relaxed)
            let served = try await drive(router, 30)
            #expect(served["legacy"] == 30)
            #expect(upstream.received.load(ordering: .relaxed) == before)
        }
    }

    @Test("a healthy rollout walks every step to 100 %")
    func healthyRollout() async throws {
        let upstream = FakeOpenAI()
        let clock = WallClock()
        try await upstream.run { port in
            let router = try ShepherdRouter(yaml: Self.yaml(candidatePort: port), environment: [:], wallClock: { clock.now })
            for _ in 0..<3 {
                _ = try await driveThroughStep(router, 25)
                clock.advance(minutes: 1.5)
                router.evaluateRollouts()
            }
            #expect(router.rollouts.report(model: "chat")?.phase == "completed")
            #expect(try await drive(router, 10)["relay"] == 10)
        }
    }

    @Test("usage, cost and a ledger row per call; retries and fallbacks as the gateway does")
    func usageCostLedgerFallback() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shepherd-router-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledger = try SQLiteLedgerStore(path: folder.appendingPathComponent("ledger.db").path)
        let router = try ShepherdRouter(
            yaml: """
                providers:
                  down: { kind: mock, fail_rate: 1.0, fail_status: 503 }
                  mock: { kind: mock }
                models:
                  chat:
                    targets: [{ provider: down, model: gpt-4o }]
                    retry: { attempts: 2, base_ms: 1, max_ms: 2 }
                    fallbacks: [backup]
                  backup:
                    targets: [{ provider: mock, model: gpt-4o-mini }]
                pricing:
                  mock/gpt-4o-mini: { input: 0.15, output: 0.6 }
                """, environment: [:], ledger: ledger)
        let routed = try await router.route(ChatCompletionRequest(model: "chat", messages: [.user("Hello")]))
        #expect(routed.target == TargetRef(provider: "mock", model: "gpt-4o-mini"))
        #expect(routed.attempts == 3)
        #expect((routed.usage?.totalTokens ?? 0) > 0)
        #expect((routed.costUSD ?? 0) > 0)
        let rows = try await ledger.usage(since: nil, groupBy: [.model])
        #expect(rows.reduce(0) { $0 + $1.requests } == 1)
        // The router is a ChatCompleting like the client.
        let completing: any ChatCompleting = router
        #expect(try await completing.complete(ChatCompletionRequest(model: "backup", messages: [.user("x")])).text?.isEmpty == false)
        // And streams through the engine.
        #expect(try await router.stream(ChatCompletionRequest(model: "chat", messages: [.user("stream me")])).text().isEmpty == false)
    }

    @Test("open breakers, unknown models and exhausted attempts raise the gateway's typed errors")
    func typedErrors() async throws {
        let clock = Clock()
        let router = try ShepherdRouter(
            yaml: """
                providers:
                  down: { kind: mock, fail_rate: 1.0, fail_status: 500 }
                models:
                  chat:
                    targets: [{ provider: down, model: m }]
                    breaker: { window: 4, min_requests: 4, failure_rate: 0.5, open_s: 30 }
                """, environment: [:], now: { clock.now })
        let request = ChatCompletionRequest(model: "chat", messages: [.user("x")])
        for _ in 0..<4 {
            await #expect { _ = try await router.route(request) } throws: { ($0 as? ShepherdError)?.kind == .upstreamError }
        }
        await #expect { _ = try await router.route(request) } throws: {
            ($0 as? ShepherdError)?.kind == .noHealthyUpstream(retryAfter: .seconds(1))
        }
        clock.advance(by: .seconds(31))
        // Half-open: a probe goes through (and fails again).
        await #expect { _ = try await router.route(request) } throws: { ($0 as? ShepherdError)?.kind == .upstreamError }
        await #expect { _ = try await router.route(ChatCompletionRequest(model: "nope", messages: [.user("x")])) } throws: {
            ($0 as? ShepherdError)?.kind == .modelNotFound
        }
    }

    @Test("a prompt over every window is refused before any call, or goes to the context_window_fallback")
    func contextWindow() async throws {
        let yaml = """
            providers:
              mock: { kind: mock }
            models:
              tiny:
                targets: [{ provider: mock, model: small, context_window: 50 }]
              roomy:
                targets: [{ provider: mock, model: small, context_window: 50 }]
                context_window_fallback: long
              long:
                targets: [{ provider: mock, model: large, context_window: 100000 }]
            """
        let router = try ShepherdRouter(yaml: yaml, environment: [:])
        let prompt = String(repeating: "word ", count: 200)
        var request = ChatCompletionRequest(model: "tiny", messages: [.user(prompt)])
        request.maxTokens = 10
        await #expect { _ = try await router.route(request) } throws: { error in
            guard case .contextLengthExceeded(let limit, let requested)? = (error as? ShepherdError)?.kind else { return false }
            return limit == 50 && (requested ?? 0) > 50
        }
        request.model = "roomy"
        #expect(try await router.route(request).target == TargetRef(provider: "mock", model: "large"))
    }

    @Test("shadow traffic never changes the caller's answer while the candidate sees every mirror")
    func shadow() async throws {
        let upstream = FakeOpenAI()
        try await upstream.run { port in
            let router = try ShepherdRouter(
                yaml: """
                    providers:
                      legacy: { kind: mock }
                      relay:  { kind: openai, base_url: http://127.0.0.1:\(port)/v1 }
                    models:
                      chat:
                        targets: [{ provider: legacy, model: gpt-4o }]
                        shadow: { to: relay/flash, percent: 100 }
                    """, environment: [:])
            upstream.failing.store(true, ordering: .relaxed)
            for index in 0..<10 {
                let routed = try await router.route(ChatCompletionRequest(model: "chat", messages: [.user("mirror \(index)")]))
                #expect(routed.target.provider == "legacy")
            }
            // Mirrors run after the answers; wait for them, bounded.
            #expect(try await FakeOpenAI.eventually { (router.rollouts.shadowSummaries()["chat"]?.count ?? 0) == 10 })
            #expect(upstream.received.load(ordering: .relaxed) == 10)
            #expect(router.rollouts.shadowSummaries()["chat"]?.candidateErrorRate == 1.0)
        }
    }
}
