import Foundation
import Metrics
import Synchronization

/// What the ledger writer reports to swift-metrics (Prometheus in the gateway).
struct LedgerMetrics: Sendable {
    private let rows = Counter(label: "shepherd_ledger_rows_written_total")
    private let failures = Counter(label: "shepherd_ledger_commit_failures_total")
    private let batchSize = Recorder(label: "shepherd_ledger_batch_size", aggregate: true)
    private let commitLatency = Metrics.Timer(label: "shepherd_ledger_commit_seconds")
    /// One spend counter per model and provider, made on first use: making one looks it up in
    /// the registry under its lock, which cost about 1 % of a request's CPU when done per commit.
    private let spendCounters = SpendCounters()

    func committed(_ records: [UsageRecord], after duration: Duration) {
        rows.increment(by: records.count)
        batchSize.record(records.count)
        let (seconds, attoseconds) = duration.components
        commitLatency.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        // One increment per model and provider a batch, not per row.
        var spend: [SpendKey: Decimal] = [:]
        for record in records where record.costUSD != 0 {
            spend[SpendKey(model: record.publicModel, provider: record.provider), default: 0] += record.costUSD
        }
        for (key, amount) in spend {
            // Prometheus keeps floats; the exact figure is the ledger's.
            spendCounters.counter(for: key).increment(by: NSDecimalNumber(decimal: amount).doubleValue)
        }
    }

    func failed() {
        failures.increment()
    }

    fileprivate struct SpendKey: Hashable {
        var model: String
        var provider: String
    }
}

private final class SpendCounters: Sendable {
    private let counters = Mutex<[LedgerMetrics.SpendKey: FloatingPointCounter]>([:])

    func counter(for key: LedgerMetrics.SpendKey) -> FloatingPointCounter {
        counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = FloatingPointCounter(
                label: "shepherd_spend_usd_total", dimensions: [("model", key.model), ("provider", key.provider)])
            counters[key] = counter
            return counter
        }
    }
}
