import Foundation

@testable import ShepherdCore
@testable import ShepherdRouting

func rolloutPlan(
    steps: [Double] = [1, 5, 25, 50, 100], holdRequests: Int = 100, holdMinutes: Double = 10,
    maxErrorRate: Double? = 0.02, maxP99Ms: Double? = 4000, maxCostRatio: Double? = 1.0,
    onGateFailure: RolloutPlan.OnGateFailure = .rollback
) -> RolloutPlan {
    RolloutPlan(
        from: TargetRef(provider: "legacy", model: "gpt-4o"), to: TargetRef(provider: "relay", model: "gemini-2.5-flash"),
        steps: steps, holdRequests: holdRequests, holdMinutes: holdMinutes, maxErrorRate: maxErrorRate,
        maxP99Ms: maxP99Ms, maxCostRatio: maxCostRatio, onGateFailure: onGateFailure)
}

/// A rollout driven by a wall clock that moves only when the test says so.
struct RolloutHarness {
    var controller: RolloutController
    var now = Date(timeIntervalSince1970: 1_800_000_000)
    /// Walks [0, 1) evenly, so a share of p% sends exactly p of every 100 requests to `to`.
    private var tick = 0

    init(plan: RolloutPlan = rolloutPlan()) {
        controller = RolloutController(model: "chat", plan: plan, now: now)
    }

    mutating func advance(minutes: Double) { now = now.addingTimeInterval(minutes * 60) }

    /// `count` requests routed by the controller; `toFails(i)` says which `to` attempts fail.
    mutating func traffic(
        _ count: Int, toFails: (Int) -> Bool = { _ in false }, toLatencyMs: (Int) -> Double = { _ in 200 },
        toCost: Decimal? = Decimal(string: "0.0005"), fromCost: Decimal? = Decimal(string: "0.001")
    ) {
        var toIndex = 0
        for _ in 0..<count {
            let random = (Double(tick % 100) + 0.5) / 100
            tick += 1
            controller.recordRequest()
            switch controller.side(stickyKey: nil, random: random) {
            case .to:
                controller.recordAttempt(side: .to, success: !toFails(toIndex), latencyMs: toLatencyMs(toIndex), costUSD: toCost)
                toIndex += 1
            case .from:
                controller.recordAttempt(side: .from, success: true, latencyMs: 300, costUSD: fromCost)
            }
        }
    }

    /// Enough healthy traffic and time for the current step's hold, then one evaluation.
    mutating func healthyStep() -> [RolloutEvent] {
        traffic(controller.plan.holdRequests)
        advance(minutes: controller.plan.holdMinutes)
        return controller.evaluate(now: now)
    }
}
