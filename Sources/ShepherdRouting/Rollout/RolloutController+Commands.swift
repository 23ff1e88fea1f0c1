import Foundation

/// What people do to a rollout (`shepherd rollout …`, the admin API). Each command returns
/// the event it caused, or says why it does not apply in the current phase.
extension RolloutController {
    /// The next step now, without waiting for the hold or judging the gates; from a
    /// paused step too (the operator has looked). After the last step: completed.
    public mutating func promote(now: Date) throws(RolloutCommandError) -> RolloutEvent {
        switch state.phase {
        case .running(let step), .paused(let step, _):
            return advance(from: step, now: now, cause: .manual, evaluation: nil)
        case .rolledBack:
            throw refusal("promote", "it was rolled back; use start to begin again")
        case .completed:
            throw refusal("promote", "it already sends all traffic to \(state.to)")
        }
    }

    /// Holds the current share until resumed: the gates stop judging.
    public mutating func pause(now: Date, reason: String) throws(RolloutCommandError) -> RolloutEvent {
        guard case .running(let step) = state.phase else {
            throw refusal("pause", state.phase == .completed ? "it has finished" : "it is not running")
        }
        enter(.paused(step: step, reason: reason), now: now, freshStep: false)
        return record(event(.paused, cause: .manual, now: now, fromStep: step, reason: reason, evaluation: nil))
    }

    /// Runs the paused step again with a fresh hold and fresh figures: figures that failed
    /// a gate would only fail it again at once.
    public mutating func resume(now: Date) throws(RolloutCommandError) -> RolloutEvent {
        guard case .paused(let step, _) = state.phase else {
            throw refusal("resume", state.phase.name == "running" ? "it is already running" : "it is not paused")
        }
        enter(.running(step: step), now: now, freshStep: true)
        return record(event(.resumed, cause: .manual, now: now, fromStep: step, reason: nil, evaluation: nil))
    }

    /// Everything back to `from` at once; a completed rollout too (the way back).
    public mutating func rollback(now: Date, reason: String) throws(RolloutCommandError) -> RolloutEvent {
        if case .rolledBack = state.phase { throw refusal("roll back", "it already sends nothing to \(state.to)") }
        let step = state.phase.step
        enter(.rolledBack(reason: reason), now: now, freshStep: true)
        return record(event(.rolledBack, cause: .manual, now: now, fromStep: step, reason: reason, evaluation: nil))
    }

    /// Begins a rolled-back rollout again from its first step (`shepherd rollout start`).
    public mutating func restart(now: Date) throws(RolloutCommandError) -> RolloutEvent {
        guard case .rolledBack = state.phase else { throw refusal("start", "only a rolled-back rollout starts again") }
        enter(.running(step: 0), now: now, freshStep: true)
        return record(event(.restarted, cause: .manual, now: now, fromStep: nil, reason: nil, evaluation: nil))
    }

    private func refusal(_ command: String, _ message: String) -> RolloutCommandError {
        RolloutCommandError(command: command, phase: state.phase.name.replacingOccurrences(of: "_", with: " "), message: message)
    }
}
