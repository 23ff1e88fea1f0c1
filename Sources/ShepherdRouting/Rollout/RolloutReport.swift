import Foundation

/// What `shepherd rollout status` and `GET /admin/v1/rollouts` show for one model.
public struct RolloutReport: Sendable, Equatable, Codable {
    /// One side's figures over the whole rollout.
    public struct SideTotals: Sendable, Equatable, Codable {
        public var target: String
        public var attempts: Int
        public var errors: Int
        public var errorRate: Double?
        public var p99Ms: Double?
        public var cost: CostTally
    }

    public var model: String
    public var from: String
    public var to: String
    public var phase: String
    /// Why it is paused or rolled back.
    public var reason: String?
    /// 0-based index of the current step; nil once rolled back or completed.
    public var step: Int?
    public var steps: [Double]
    public var share: Double
    public var startedAt: Date
    public var stepStartedAt: Date
    public var phaseChangedAt: Date
    /// The current step's hold, while running or paused.
    public var hold: RolloutController.HoldProgress?
    /// The current step's figures against the configured thresholds.
    public var gates: GateEvaluation?
    public var requests: Int
    public var fromTotals: SideTotals
    public var toTotals: SideTotals
    /// Newest last.
    public var history: [RolloutEvent]

    /// What each request saves once on `to` (negative: costs more), from the priced
    /// requests of the whole rollout; the base of a projected monthly saving.
    public var savingPerRequestUSD: Decimal? {
        guard let from = fromTotals.cost.perRequest, let to = toTotals.cost.perRequest else { return nil }
        return from - to
    }
}

extension RolloutController {
    public func report(now: Date, historyLimit: Int = 50) -> RolloutReport {
        let active = state.phase.step != nil
        return RolloutReport(
            model: state.model, from: state.from, to: state.to, phase: state.phase.name, reason: state.phase.reason,
            step: state.phase.step, steps: plan.steps, share: share, startedAt: state.startedAt,
            stepStartedAt: state.stepStartedAt, phaseChangedAt: state.phaseChangedAt,
            hold: active ? holdProgress(now: now) : nil, gates: active ? gateEvaluation(now: now) : nil,
            requests: state.totals.requests, fromTotals: totals(.from), toTotals: totals(.to),
            history: Array(state.history.suffix(max(0, historyLimit))))
    }

    private func totals(_ side: Side) -> RolloutReport.SideTotals {
        let figures = state.totals[side]
        return RolloutReport.SideTotals(
            target: side == .from ? state.from : state.to, attempts: figures.attempts, errors: figures.errors,
            errorRate: figures.errorRate, p99Ms: figures.latency.p99Ms, cost: figures.cost)
    }
}
