import Foundation
import Testing

@testable import ShepherdCore
@testable import ShepherdRouting

@Suite("Rollout controller: gates (manual clock)")
struct RolloutControllerTests {
    @Test("healthy traffic promotes through every step to completion")
    func promotesToCompletion() {
        var harness = RolloutHarness()
        #expect(harness.controller.history.map(\.kind) == [.started])
        #expect(harness.controller.history.first?.cause == .config)
        #expect(harness.controller.history.first?.description == "chat: started at step 1, share 1%")
        for (index, percent) in [1.0, 5, 25, 50].enumerated() {
            #expect(harness.controller.phase == .running(step: index))
            #expect(harness.controller.share == percent)
            let events = harness.healthyStep()
            #expect(events.map(\.kind) == [.promoted])
            #expect(events.first?.evaluation?.passed == true)
            #expect(events.first?.cause == .gates)
            #expect(events.first?.toStep == index + 1)
            #expect(harness.controller.state.stepStartedAt == harness.now)
            #expect(harness.controller.state.step.requests == 0)
        }
        #expect(harness.controller.share == 100)
        let last = harness.healthyStep()
        #expect(last.map(\.kind) == [.completed])
        #expect(harness.controller.phase == .completed)
        #expect(harness.controller.share == 100)
        #expect(harness.controller.side(stickyKey: nil, random: 0.999) == .to)
        #expect(harness.controller.side(stickyKey: "u1", random: 0) == .to)
        #expect(harness.controller.evaluate(now: harness.now.addingTimeInterval(3600)).isEmpty)
        #expect(harness.controller.history.map(\.kind) == [.started, .promoted, .promoted, .promoted, .promoted, .completed])
        #expect(harness.controller.state.totals.requests == 500)
    }

    @Test("errors at step 3 roll back: share 0, every request to from")
    func rollsBackOnErrors() throws {
        var harness = RolloutHarness()
        _ = harness.healthyStep()
        _ = harness.healthyStep()
        #expect(harness.controller.share == 25)
        // One `to` attempt in ten fails: 10 % against a 2 % gate.
        harness.traffic(100, toFails: { $0 % 10 == 0 })
        harness.advance(minutes: 10)
        let events = harness.controller.evaluate(now: harness.now)
        let event = try #require(events.first)
        #expect(events.count == 1)
        #expect(event.kind == .rolledBack)
        #expect(event.cause == .gates)
        #expect(event.fromStep == 2 && event.toStep == nil && event.share == 0)
        let check = try #require(event.evaluation?.checks.first { $0.gate == .errorRate })
        #expect(check.outcome == .failed && check.value == 0.12 && check.threshold == 0.02)
        #expect(event.evaluation?.toAttempts == 25)
        #expect(
            event.description
                == "chat: rolled_back from step 3, share 0% — gate failed at step 3: error_rate 0.12 > 0.02"
                + " (gates: error_rate 0.12 > 0.02, p99_ms 200 ≤ 4000, cost_ratio 0.5 ≤ 1)")
        #expect(harness.controller.phase.name == "rolled_back")
        #expect(harness.controller.phase.reason?.contains("error_rate") == true)
        #expect(harness.controller.share == 0)
        for index in 0..<1000 {
            #expect(harness.controller.side(stickyKey: index % 2 == 0 ? "user-\(index)" : nil, random: Double(index) / 1000) == .from)
        }
        harness.traffic(100)
        harness.advance(minutes: 60)
        #expect(harness.controller.evaluate(now: harness.now).isEmpty)
    }

    @Test("the p99 gate fails on a slow tail and passes when the tail is under 1 %")
    func p99Gate() throws {
        var slow = RolloutHarness(plan: rolloutPlan(steps: [50, 100], holdRequests: 1000))
        slow.traffic(1000, toLatencyMs: { $0 % 50 == 0 ? 9000 : 150 })
        slow.advance(minutes: 10)
        let failed = try #require(slow.controller.evaluate(now: slow.now).first)
        #expect(failed.kind == .rolledBack)
        let check = try #require(failed.evaluation?.checks.first { $0.gate == .p99Ms })
        #expect(check.outcome == .failed)
        #expect(abs((check.value ?? 0) - 9000) <= 90)

        var fast = RolloutHarness(plan: rolloutPlan(steps: [50, 100], holdRequests: 1000))
        fast.traffic(1000, toLatencyMs: { $0 % 200 == 0 ? 9000 : 150 })
        fast.advance(minutes: 10)
        let passed = try #require(fast.controller.evaluate(now: fast.now).first)
        #expect(passed.kind == .promoted)
        let p99 = try #require(passed.evaluation?.checks.first { $0.gate == .p99Ms }?.value)
        #expect(abs(p99 - 150) <= 1.5)
    }

    @Test("the cost gate compares cost per request, and is skipped when a side is unpriced")
    func costGate() throws {
        var dear = RolloutHarness(plan: rolloutPlan(steps: [50, 100]))
        dear.traffic(100, toCost: Decimal(string: "0.003"), fromCost: Decimal(string: "0.002"))
        dear.advance(minutes: 10)
        let failed = try #require(dear.controller.evaluate(now: dear.now).first)
        #expect(failed.kind == .rolledBack)
        let ratio = try #require(failed.evaluation?.checks.first { $0.gate == .costRatio })
        #expect(ratio.outcome == .failed && abs((ratio.value ?? 0) - 1.5) < 1e-9)

        var cheap = RolloutHarness(plan: rolloutPlan(steps: [50, 100]))
        _ = cheap.healthyStep()
        let passed = try #require(cheap.controller.history.last?.evaluation?.checks.first { $0.gate == .costRatio })
        #expect(passed.outcome == .passed && abs((passed.value ?? 0) - 0.5) < 1e-9)

        var unpriced = RolloutHarness(plan: rolloutPlan(steps: [50, 100]))
        unpriced.traffic(100, toCost: nil)
        unpriced.advance(minutes: 10)
        let skipped = try #require(unpriced.controller.evaluate(now: unpriced.now).first)
        #expect(skipped.kind == .promoted)
        let check = try #require(skipped.evaluation?.checks.first { $0.gate == .costRatio })
        #expect(check.outcome == .skipped && check.value == nil)
        #expect(check.note == "no priced requests to the new target")
    }

    @Test("unconfigured gates are not judged")
    func unconfiguredGates() throws {
        var harness = RolloutHarness(plan: rolloutPlan(steps: [50, 100], maxErrorRate: nil, maxP99Ms: nil, maxCostRatio: nil))
        harness.traffic(100, toFails: { _ in true })
        harness.advance(minutes: 10)
        let event = try #require(harness.controller.evaluate(now: harness.now).first)
        #expect(event.kind == .promoted)
        #expect(event.evaluation?.checks.isEmpty == true)
    }

    @Test("on_gate_failure: pause holds the share until resumed with fresh figures")
    func pausePolicy() throws {
        var harness = RolloutHarness(plan: rolloutPlan(onGateFailure: .pause))
        _ = harness.healthyStep()
        harness.traffic(100, toFails: { _ in true })
        harness.advance(minutes: 10)
        let event = try #require(harness.controller.evaluate(now: harness.now).first)
        #expect(event.kind == .paused && event.cause == .gates && event.toStep == 1 && event.share == 5)
        guard case .paused(1, let reason) = harness.controller.phase else {
            Issue.record("expected paused at step 2, got \(harness.controller.phase)")
            return
        }
        #expect(reason.contains("error_rate 1 > 0.02"))
        #expect(harness.controller.share == 5)
        // The figures that failed stay visible, and paused steps are not judged again.
        #expect(harness.controller.state.step.to.errors == 5)
        harness.traffic(100)
        harness.advance(minutes: 30)
        #expect(harness.controller.evaluate(now: harness.now).isEmpty)

        let resumed = try harness.controller.resume(now: harness.now)
        #expect(resumed.kind == .resumed && resumed.toStep == 1)
        #expect(harness.controller.phase == .running(step: 1))
        #expect(harness.controller.state.step == RolloutController.Figures())
        #expect(harness.controller.state.stepStartedAt == harness.now)
        #expect(harness.healthyStep().map(\.kind) == [.promoted])
    }

    @Test("the hold needs both its requests and its minutes")
    func holdNeedsBoth() {
        var harness = RolloutHarness(plan: rolloutPlan(steps: [50, 100]))
        harness.traffic(500)
        harness.advance(minutes: 9.9)
        #expect(harness.controller.evaluate(now: harness.now).isEmpty)
        #expect(harness.controller.holdProgress(now: harness.now).waitingFor.count == 1)

        var slow = RolloutHarness(plan: rolloutPlan(steps: [50, 100]))
        slow.traffic(99)
        slow.advance(minutes: 600)
        #expect(slow.controller.evaluate(now: slow.now).isEmpty)
        #expect(slow.controller.holdProgress(now: slow.now).waitingFor == ["1 more requests"])
        slow.traffic(1)
        #expect(slow.controller.evaluate(now: slow.now).map(\.kind) == [.promoted])
    }

    @Test("a step that saw no request to the new target keeps holding")
    func neverAdvancesBlind() {
        var harness = RolloutHarness(plan: rolloutPlan(steps: [1, 100]))
        for _ in 0..<300 {
            harness.controller.recordRequest()
            harness.controller.recordAttempt(side: .from, success: true, latencyMs: 100, costUSD: 1)
        }
        harness.advance(minutes: 120)
        #expect(harness.controller.evaluate(now: harness.now).isEmpty)
        #expect(harness.controller.holdProgress(now: harness.now).waitingFor == ["a first request to the new target"])
        harness.controller.recordAttempt(side: .to, success: true, latencyMs: 100, costUSD: 1)
        #expect(harness.controller.evaluate(now: harness.now).map(\.kind) == [.promoted])
    }

    @Test("the report shows phase, hold, figures against thresholds, totals and history")
    func report() throws {
        var harness = RolloutHarness()
        _ = harness.healthyStep()
        harness.traffic(40)
        harness.advance(minutes: 4)
        let report = harness.controller.report(now: harness.now)
        #expect(report.phase == "running" && report.step == 1 && report.share == 5)
        #expect(report.from == "legacy/gpt-4o" && report.to == "relay/gemini-2.5-flash")
        #expect(report.hold?.requests == 40 && report.hold?.minutes == 4)
        #expect(report.gates?.checks.map(\.gate) == [.errorRate, .p99Ms, .costRatio])
        #expect(report.requests == 140)
        #expect(report.toTotals.attempts == 6 && report.fromTotals.attempts == 134)
        #expect(report.toTotals.cost.usd == Decimal(string: "0.003"))
        #expect(report.savingPerRequestUSD == Decimal(string: "0.0005"))
        #expect(report.history.map(\.kind) == [.started, .promoted])
        let json = try JSONEncoder().encode(report)
        #expect(try JSONDecoder().decode(RolloutReport.self, from: json) == report)
    }
}
