import Foundation
import ShepherdCore
import ShepherdRouting
import Synchronization

/// The gateway's last hour of client traffic for the dashboard and `/admin/v1/traffic`:
/// fed once per client request with its final outcome (shadow mirrors are left out), read
/// by the admin API. Memory is bounded by `TrafficLog`.
final class TrafficRecorder: Sendable {
    private let log: Mutex<TrafficLog>
    private let now: @Sendable () -> Date
    /// Each public model's own targets (its rollout's too): a request answered by any other
    /// target was served by a fallback.
    private let ownTargets: [String: Set<String>]

    init(config: GatewayConfig, minutes: Int = 60, now: @escaping @Sendable () -> Date = { Date() }) {
        log = Mutex(TrafficLog(minutes: minutes))
        self.now = now
        var own: [String: Set<String>] = [:]
        for model in config.models {
            var refs = Set(model.targets.map(\.ref.description))
            if let rollout = model.rollout { refs.formUnion([rollout.from.description, rollout.to.description]) }
            own[model.name] = refs
        }
        ownTargets = own
    }

    func record(_ outcome: Accounting.Outcome, costUSD: Decimal) {
        guard !outcome.shadow else { return }
        // A request that reached no target (every breaker open, refused before routing) is
        // counted under its public model.
        let target = outcome.target?.ref.description ?? "\(outcome.publicModel) (no target)"
        let fallback = outcome.target != nil && !(ownTargets[outcome.publicModel]?.contains(target) ?? true)
        let sample = TrafficLog.Sample(
            target: target, status: outcome.status, attempts: outcome.attempts, fallback: fallback,
            totalMs: Double(outcome.totalMs), costUSD: costUSD)
        let time = now()
        log.withLock { $0.record(sample, at: time) }
    }

    /// The last `minutes` minutes by target, and the time they end at.
    func series(minutes: Int? = nil) -> (now: Date, series: [TrafficLog.Series]) {
        let time = now()
        return (time, log.withLock { $0.series(endingAt: time, window: minutes) })
    }
}
