import Foundation
import ShepherdCore

/// The rollout of one public model from `from` to `to`, as a pure state machine: it is
/// told the time and what happened and answers where requests go and what it decided.
/// Not thread-safe by design; the gateway keeps it behind a lock or in an actor and
/// persists ``state`` after every event so a restart resumes at the same step.
///
/// The time is wall time (`Date`) because step start times are persisted and shown to
/// people; a clock stepped backwards only lengthens the hold.
public struct RolloutController: Sendable {
    public let plan: RolloutPlan
    public private(set) var state: State

    /// Starts a rollout at its first step. The `started` event is `history.last`.
    public init(model: String, plan: RolloutPlan, now: Date, cause: RolloutEvent.Cause = .config) {
        self.plan = plan
        state = State(
            model: model, from: plan.from.description, to: plan.to.description, steps: plan.steps,
            phase: .running(step: 0), startedAt: now, stepStartedAt: now, phaseChangedAt: now)
        record(event(.started, cause: cause, now: now, fromStep: nil, reason: nil, evaluation: nil))
    }

    /// Resumes a saved rollout under the current plan. A plan whose steps changed keeps
    /// the largest step not above the saved share, so editing the config never raises
    /// exposure by itself; a plan that names other targets is a different rollout.
    public init(plan: RolloutPlan, restoring saved: State) throws(RolloutRestoreError) {
        guard saved.from == plan.from.description, saved.to == plan.to.description else {
            throw RolloutRestoreError(
                model: saved.model, saved: "\(saved.from) → \(saved.to)", configured: "\(plan.from) → \(plan.to)")
        }
        self.plan = plan
        state = saved
        guard saved.steps != plan.steps else { return }
        state.steps = plan.steps
        guard let index = saved.phase.step else { return }
        let savedShare = saved.steps.indices.contains(index) ? saved.steps[index] : 0
        let mapped = plan.steps.lastIndex { $0 <= savedShare } ?? 0
        switch saved.phase {
        case .paused(_, let reason): state.phase = .paused(step: mapped, reason: reason)
        default: state.phase = .running(step: mapped)
        }
    }

    public var model: String { state.model }
    public var phase: Phase { state.phase }
    public var history: [RolloutEvent] { state.history }

    /// Percent of the model's traffic that goes to `to`.
    public var share: Double {
        switch state.phase {
        case .running(let step), .paused(let step, _): plan.steps.isEmpty ? 100 : plan.steps[min(step, plan.steps.count - 1)]
        case .rolledBack: 0
        case .completed: 100
        }
    }

    // MARK: Routing

    /// Where one request goes. A sticky user has a stable bucket in [0, 100) and goes to
    /// `to` while the share is above it, so growing the share only ever moves users from
    /// `from` to `to`. Others go to `to` with probability share/100.
    /// - Parameter random: a number in [0, 1), injected for tests; drawn only for a request
    ///   that is not sticky while the share is strictly between 0 and 100.
    public func side(stickyKey: String?, random: @autoclosure () -> Double = Double.random(in: 0..<1)) -> Side {
        let share = self.share
        if share <= 0 { return .from }
        if share >= 100 { return .to }
        if let stickyKey { return bucket(for: stickyKey) < share ? .to : .from }
        return random() * 100 < share ? .to : .from
    }

    /// The user's place in [0, 100). Salted with the model and `to` so that the same users
    /// are not the first canaries of every rollout.
    public func bucket(for stickyKey: String) -> Double {
        let hash = TargetPicker.hash(stickyKey, state.model, state.to)
        return Double(hash >> 11) / Double(UInt64(1) << 53) * 100
    }

    public func target(for side: Side) -> TargetRef { side == .from ? plan.from : plan.to }

    /// The side an attempt to `target` counts for, nil for other targets (fallbacks).
    public func side(of target: TargetRef) -> Side? {
        if target == plan.to { return .to }
        if target == plan.from { return .from }
        return nil
    }

    // MARK: Counting

    /// One request of the model, whichever target served it: what `hold.requests` counts.
    public mutating func recordRequest() {
        state.step.requests += 1
        state.totals.requests += 1
    }

    /// The outcome of one attempt sent to `from` or `to`. An attempt still in flight when
    /// the step changes is counted in the new step: the error this makes is one request.
    /// - Parameter costUSD: nil when the attempt could not be priced (not "free").
    public mutating func recordAttempt(side: Side, success: Bool, latencyMs: Double, costUSD: Decimal?) {
        state.step[side].record(success: success, latencyMs: latencyMs, costUSD: costUSD)
        state.totals[side].record(success: success, latencyMs: latencyMs, costUSD: costUSD)
    }

    // MARK: Transitions shared by the gates and the commands

    mutating func enter(_ phase: Phase, now: Date, freshStep: Bool) {
        state.phase = phase
        state.phaseChangedAt = now
        if freshStep {
            state.stepStartedAt = now
            state.step = Figures()
        }
    }

    func event(_ kind: RolloutEvent.Kind, cause: RolloutEvent.Cause, now: Date, fromStep: Int?, reason: String?, evaluation: GateEvaluation?)
        -> RolloutEvent
    {
        RolloutEvent(
            model: state.model, time: now, kind: kind, cause: cause, fromStep: fromStep, toStep: state.phase.step,
            share: share, reason: reason, evaluation: evaluation)
    }

    @discardableResult
    mutating func record(_ event: RolloutEvent) -> RolloutEvent {
        state.history.append(event)
        if state.history.count > State.historyLimit {
            state.history.removeFirst(state.history.count - State.historyLimit)
        }
        return event
    }
}
