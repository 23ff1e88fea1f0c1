import Foundation

extension RolloutController {
    /// How far the current step is through its hold.
    public struct HoldProgress: Sendable, Equatable, Codable {
        public var requests: Int
        public var requestsNeeded: Int
        public var minutes: Double
        public var minutesNeeded: Double
        public var toAttempts: Int

        /// Both parts of the hold have passed and `to` has been seen: the gates can judge.
        public var isMet: Bool { requests >= requestsNeeded && minutes >= minutesNeeded && toAttempts > 0 }

        /// What the step still waits for, for people.
        public var waitingFor: [String] {
            var reasons: [String] = []
            if requests < requestsNeeded { reasons.append("\(requestsNeeded - requests) more requests") }
            if minutes < minutesNeeded { reasons.append(String(format: "%.1f more minutes", minutesNeeded - minutes)) }
            if toAttempts == 0 { reasons.append("a first request to the new target") }
            return reasons
        }
    }

    public func holdProgress(now: Date) -> HoldProgress {
        HoldProgress(
            requests: state.step.requests, requestsNeeded: plan.holdRequests,
            minutes: now.timeIntervalSince(state.stepStartedAt) / 60, minutesNeeded: plan.holdMinutes,
            toAttempts: state.step.to.attempts)
    }

    /// Judges the current step once its hold has passed: pass → next step (or completed
    /// after the last), fail → rolled back or paused per `on_gate_failure`. Returns the
    /// decision's event, or nothing while the step is still holding or not running.
    /// A step that saw no `to` attempts keeps holding: never advance blind.
    public mutating func evaluate(now: Date) -> [RolloutEvent] {
        guard case .running(let step) = state.phase, holdProgress(now: now).isMet else { return [] }
        let evaluation = gateEvaluation(now: now)
        if evaluation.passed {
            return [advance(from: step, now: now, cause: .gates, evaluation: evaluation)]
        }
        let reason = "gate failed at step \(step + 1): " + evaluation.failed.map(\.description).joined(separator: ", ")
        switch plan.onGateFailure {
        case .rollback:
            enter(.rolledBack(reason: reason), now: now, freshStep: true)
            return [record(event(.rolledBack, cause: .gates, now: now, fromStep: step, reason: reason, evaluation: evaluation))]
        case .pause:
            enter(.paused(step: step, reason: reason), now: now, freshStep: false)
            return [record(event(.paused, cause: .gates, now: now, fromStep: step, reason: reason, evaluation: evaluation))]
        }
    }

    /// The configured gates on the current step's figures, whether or not the hold has
    /// passed (the report shows it as the step goes).
    public func gateEvaluation(now: Date) -> GateEvaluation {
        let figures = state.step
        var checks: [GateCheck] = []
        if let threshold = plan.maxErrorRate {
            checks.append(Self.check(.errorRate, value: figures.to.errorRate, threshold: threshold))
        }
        if let threshold = plan.maxP99Ms {
            checks.append(Self.check(.p99Ms, value: figures.to.latency.p99Ms, threshold: threshold))
        }
        if let threshold = plan.maxCostRatio {
            checks.append(Self.costCheck(to: figures.to.cost, from: figures.from.cost, threshold: threshold))
        }
        return GateEvaluation(
            step: state.phase.step ?? 0, share: share, requests: figures.requests,
            minutes: now.timeIntervalSince(state.stepStartedAt) / 60, toAttempts: figures.to.attempts,
            fromAttempts: figures.from.attempts, checks: checks)
    }

    /// Moves to the step after `step`, or completes after the last one.
    mutating func advance(from step: Int, now: Date, cause: RolloutEvent.Cause, evaluation: GateEvaluation?) -> RolloutEvent {
        if step + 1 < plan.steps.count {
            enter(.running(step: step + 1), now: now, freshStep: true)
            return record(event(.promoted, cause: cause, now: now, fromStep: step, reason: nil, evaluation: evaluation))
        }
        enter(.completed, now: now, freshStep: true)
        return record(event(.completed, cause: cause, now: now, fromStep: step, reason: nil, evaluation: evaluation))
    }

    private static func check(_ gate: GateCheck.Gate, value: Double?, threshold: Double) -> GateCheck {
        guard let value else {
            return GateCheck(gate: gate, value: nil, threshold: threshold, outcome: .skipped, note: "no requests to the new target")
        }
        return GateCheck(gate: gate, value: value, threshold: threshold, outcome: value <= threshold ? .passed : .failed)
    }

    /// `to`'s cost per priced request over `from`'s. Skipped when either side has no priced
    /// request: an unpriced request is unknown, not free.
    private static func costCheck(to: CostTally, from: CostTally, threshold: Double) -> GateCheck {
        guard let toPerRequest = to.perRequest else {
            return GateCheck(gate: .costRatio, value: nil, threshold: threshold, outcome: .skipped, note: "no priced requests to the new target")
        }
        guard let fromPerRequest = from.perRequest else {
            return GateCheck(gate: .costRatio, value: nil, threshold: threshold, outcome: .skipped, note: "no priced requests to the old target")
        }
        if fromPerRequest.isZero {
            if toPerRequest.isZero {
                return GateCheck(gate: .costRatio, value: nil, threshold: threshold, outcome: .skipped, note: "both targets cost nothing")
            }
            // Anything over free is an infinite ratio, which JSON cannot carry.
            return GateCheck(gate: .costRatio, value: nil, threshold: threshold, outcome: .failed, note: "the old target costs nothing")
        }
        let ratio = (toPerRequest / fromPerRequest).approximateDouble
        return GateCheck(gate: .costRatio, value: ratio, threshold: threshold, outcome: ratio <= threshold ? .passed : .failed)
    }
}
