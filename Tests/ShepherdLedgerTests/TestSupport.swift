import Foundation
import Synchronization
import Testing

@testable import ShepherdLedger

/// A fresh SQLite file per test, removed afterwards with its WAL files.
func withTemporaryDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString).db").path
    defer {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
    return try await body(path)
}

func decimal(_ text: String) -> Decimal {
    Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))!
}

func record(
    _ id: String, model: String = "chat", provider: String = "openai", target: String = "gpt-4o",
    key: String? = "key_a", time: Date = Date(), input: Int = 100, cached: Int = 0, output: Int = 10,
    cost: String = "0.001", priced: Bool = true, shadow: Bool = false
) -> UsageRecord {
    UsageRecord(
        id: id, time: time, keyID: key, publicModel: model, provider: provider, targetModel: target,
        inputTokens: input, cachedInputTokens: cached, outputTokens: output, costUSD: decimal(cost), priced: priced,
        firstByteMs: 12, totalMs: 40, shadow: shadow)
}

/// Counts transactions (append calls) and can slow each one down, to make batching visible.
final class CountingStore: LedgerStore {
    let inner: any LedgerStore
    let delay: Duration
    private let counts = Mutex<[Int]>([])

    init(_ inner: any LedgerStore, delay: Duration = .zero) {
        self.inner = inner
        self.delay = delay
    }

    var batchSizes: [Int] { counts.withLock { $0 } }

    func append(_ records: [UsageRecord]) async throws {
        if delay > .zero { try await Task.sleep(for: delay) }
        try await inner.append(records)
        counts.withLock { $0.append(records.count) }
    }

    func usage(since: Date?, groupBy: [UsageGrouping]) async throws -> [UsageSummaryRow] {
        try await inner.usage(since: since, groupBy: groupBy)
    }

    func reserve(keyID: String, amount: Decimal, limit: Decimal) async throws -> Bool {
        try await inner.reserve(keyID: keyID, amount: amount, limit: limit)
    }

    func settle(keyID: String, reserved: Decimal, actual: Decimal) async throws {
        try await inner.settle(keyID: keyID, reserved: reserved, actual: actual)
    }

    func spend(keyID: String) async throws -> KeySpend {
        try await inner.spend(keyID: keyID)
    }
}

/// 30 concurrent reserve/settle cycles of `each` against a budget; returns (granted, refused).
func raceForBudget(
    _ stores: [any LedgerStore], keyID: String, limit: Decimal, each: Decimal, requests: Int = 30
) async throws -> (granted: Int, refused: Int) {
    try await withThrowingTaskGroup(of: Bool.self) { group in
        for index in 0..<requests {
            let store = stores[index % stores.count]
            group.addTask {
                guard try await store.reserve(keyID: keyID, amount: each, limit: limit) else { return false }
                // Hold the reservation a moment, as a request in flight would.
                try await Task.sleep(for: .milliseconds(5))
                try await store.settle(keyID: keyID, reserved: each, actual: each)
                return true
            }
        }
        var granted = 0
        var refused = 0
        for try await ok in group {
            if ok { granted += 1 } else { refused += 1 }
        }
        return (granted, refused)
    }
}
