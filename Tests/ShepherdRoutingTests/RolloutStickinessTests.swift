import Foundation
import Testing

@testable import ShepherdCore
@testable import ShepherdRouting

@Suite("Rollout controller: sticky users and restarts")
struct RolloutStickinessTests {
    @Test("sticky users only ever move from `from` to `to` as the share grows")
    func stickyUsersNeverFlap() throws {
        var harness = RolloutHarness()
        let users = (0..<5000).map { "user-\($0)" }
        var onTo = Set<String>()
        while case .running = harness.controller.phase {
            let share = harness.controller.share
            let now = Set(users.filter { harness.controller.side(stickyKey: $0, random: 0.999) == .to })
            #expect(onTo.isSubset(of: now), "a user went back to `from` at \(share)%")
            // The hash spreads users evenly: the share of users is close to the step's.
            #expect(abs(Double(now.count) / Double(users.count) * 100 - share) < 2)
            // The same user always gets the same answer, whatever the random draw.
            for user in users.prefix(50) {
                #expect(harness.controller.side(stickyKey: user, random: 0) == harness.controller.side(stickyKey: user, random: 0.99))
            }
            onTo = now
            _ = try harness.controller.promote(now: harness.now)
        }
        #expect(users.allSatisfy { harness.controller.side(stickyKey: $0, random: 0) == .to })
    }

    @Test("encode → decode resumes at the same step with the same start and figures")
    func restoreAfterRestart() throws {
        var harness = RolloutHarness()
        _ = harness.healthyStep()
        _ = harness.healthyStep()
        harness.traffic(60, toLatencyMs: { Double(100 + $0) })
        harness.advance(minutes: 3)

        let data = try JSONEncoder().encode(harness.controller.state)
        let decoded = try JSONDecoder().decode(RolloutController.State.self, from: data)
        #expect(decoded == harness.controller.state)
        // A copy of the harness keeps the clock and the traffic pattern; only the controller
        // is replaced by the one a restarted gateway would build.
        var restored = harness
        restored.controller = try RolloutController(plan: harness.controller.plan, restoring: decoded)
        #expect(restored.controller.phase == .running(step: 2))
        #expect(restored.controller.state.stepStartedAt == harness.controller.state.stepStartedAt)
        #expect(restored.controller.report(now: harness.now) == harness.controller.report(now: harness.now))

        // The same traffic from here leads both to the same decisions.
        for _ in 0..<3 {
            #expect(harness.healthyStep() == restored.healthyStep())
        }
        #expect(restored.controller.state == harness.controller.state)
        #expect(restored.controller.phase == .completed)
    }

    @Test("a saved rollout meets a changed config: other targets refuse, new steps never raise the share")
    func restoreUnderChangedPlan() throws {
        var harness = RolloutHarness()
        _ = try harness.controller.promote(now: harness.now)
        _ = try harness.controller.promote(now: harness.now)
        #expect(harness.controller.share == 25)
        let saved = harness.controller.state

        var otherTarget = rolloutPlan()
        otherTarget.to = TargetRef(provider: "relay", model: "deepseek-v3.2")
        #expect(throws: RolloutRestoreError.self) { try RolloutController(plan: otherTarget, restoring: saved) }

        let restepped = try RolloutController(plan: rolloutPlan(steps: [10, 20, 40, 100]), restoring: saved)
        #expect(restepped.phase == .running(step: 1))
        #expect(restepped.share == 20)
        #expect(restepped.state.steps == [10, 20, 40, 100])
    }
}
