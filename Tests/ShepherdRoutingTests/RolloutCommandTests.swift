import Foundation
import Testing

@testable import ShepherdCore
@testable import ShepherdRouting

@Suite("Rollout controller: manual commands")
struct RolloutCommandTests {
    @Test("promote, pause, resume and rollback each return their event")
    func commands() throws {
        var harness = RolloutHarness()
        let promoted = try harness.controller.promote(now: harness.now)
        #expect(promoted.kind == .promoted && promoted.cause == .manual && promoted.evaluation == nil)
        #expect(promoted.fromStep == 0 && promoted.toStep == 1 && harness.controller.share == 5)

        harness.advance(minutes: 1)
        let paused = try harness.controller.pause(now: harness.now, reason: "looking at a spike")
        #expect(paused.kind == .paused && paused.reason == "looking at a spike")
        #expect(harness.controller.phase == .paused(step: 1, reason: "looking at a spike"))
        #expect(harness.controller.share == 5)

        // A paused step can be promoted by hand: the operator has looked.
        let fromPause = try harness.controller.promote(now: harness.now)
        #expect(fromPause.toStep == 2 && harness.controller.phase == .running(step: 2))

        _ = try harness.controller.pause(now: harness.now, reason: "again")
        harness.advance(minutes: 5)
        let resumed = try harness.controller.resume(now: harness.now)
        #expect(resumed.kind == .resumed && harness.controller.state.stepStartedAt == harness.now)

        let rolledBack = try harness.controller.rollback(now: harness.now, reason: "cost spike")
        #expect(rolledBack.kind == .rolledBack && rolledBack.cause == .manual && rolledBack.share == 0)
        #expect(rolledBack.fromStep == 2 && rolledBack.toStep == nil)
        #expect(harness.controller.phase == .rolledBack(reason: "cost spike"))
        #expect(harness.controller.side(stickyKey: "anyone", random: 0) == .from)
        #expect(harness.controller.history.map(\.kind) == [.started, .promoted, .paused, .promoted, .paused, .resumed, .rolledBack])
    }

    @Test("commands that do not apply say why")
    func invalidCommands() throws {
        var harness = RolloutHarness(plan: rolloutPlan(steps: [10, 100]))
        #expect(throws: RolloutCommandError.self) { try harness.controller.resume(now: harness.now) }
        do {
            _ = try harness.controller.resume(now: harness.now)
        } catch {
            #expect(error.message == "it is already running")
            #expect(error.description == "cannot resume a rollout that is running: it is already running")
        }
        _ = try harness.controller.pause(now: harness.now, reason: "x")
        #expect(throws: RolloutCommandError.self) { try harness.controller.pause(now: harness.now, reason: "y") }

        _ = try harness.controller.promote(now: harness.now)
        let completed = try harness.controller.promote(now: harness.now)
        #expect(completed.kind == .completed && harness.controller.share == 100)
        do {
            _ = try harness.controller.promote(now: harness.now)
            Issue.record("promoting a completed rollout must fail")
        } catch {
            #expect(error.phase == "completed")
        }
        #expect(throws: RolloutCommandError.self) { try harness.controller.pause(now: harness.now, reason: "z") }
        #expect(throws: RolloutCommandError.self) { try harness.controller.restart(now: harness.now) }

        // The way back still works after completion.
        _ = try harness.controller.rollback(now: harness.now, reason: "regret")
        #expect(harness.controller.share == 0)
        #expect(throws: RolloutCommandError.self) { try harness.controller.rollback(now: harness.now, reason: "twice") }
        #expect(throws: RolloutCommandError.self) { try harness.controller.promote(now: harness.now) }
        #expect(throws: RolloutCommandError.self) { try harness.controller.resume(now: harness.now) }

        let restarted = try harness.controller.restart(now: harness.now)
        #expect(restarted.kind == .restarted && harness.controller.phase == .running(step: 0))
        #expect(harness.controller.share == 10)
    }
}
