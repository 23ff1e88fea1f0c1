import Foundation
import Logging
import ServiceLifecycle
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

    func reserve(keyID: String, amount: Decimal, limit: Decimal) async throws -> BudgetReservation? {
        try await inner.reserve(keyID: keyID, amount: amount, limit: limit)
    }

    func settle(_ reservation: BudgetReservation, actual: Decimal) async throws {
        try await inner.settle(reservation, actual: actual)
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
                guard let reservation = try await store.reserve(keyID: keyID, amount: each, limit: limit) else { return false }
                // Hold the reservation a moment, as a request in flight would.
                try await Task.sleep(for: .milliseconds(5))
                try await store.settle(reservation, actual: each)
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

/// A wall clock the test moves by hand, for reservations that expire without waiting.
final class ManualTime: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date()) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// A reservation clock reading this time, with reservations living `lifetime` seconds.
    func clock(lifetime: TimeInterval = 60) -> ReservationClock {
        ReservationClock(lifetime: lifetime, now: { [self] in now })
    }
}

/// The life of reservations on any store whose clock reads `time` with a 60 s lifetime:
/// `first` plays a gateway killed after reserving, `second` the one that carries on.
/// Returns nothing; every check is an expectation.
func checkReservationExpiry(_ first: any LedgerStore, _ second: any LedgerStore, time: ManualTime, keyID: String) async throws {
    let limit = decimal("1")
    // Reserved on the gateway that is then killed: it holds the budget until it expires.
    let leaked = try #require(try await first.reserve(keyID: keyID, amount: decimal("0.6"), limit: limit))
    #expect(leaked.expiresAt == time.now.addingTimeInterval(60))
    #expect(try await second.reserve(keyID: keyID, amount: decimal("0.6"), limit: limit) == nil)
    #expect(try await second.spend(keyID: keyID) == KeySpend(spentUSD: 0, reservedUSD: decimal("0.6")))
    time.advance(by: 59)
    #expect(try await second.reserve(keyID: keyID, amount: decimal("0.6"), limit: limit) == nil)
    time.advance(by: 2)
    #expect(try await second.spend(keyID: keyID) == KeySpend(spentUSD: 0, reservedUSD: 0))
    let next = try #require(try await second.reserve(keyID: keyID, amount: decimal("0.6"), limit: limit))

    // Settling twice charges once; so does settling on the other store.
    try await second.settle(next, actual: decimal("0.25"))
    try await second.settle(next, actual: decimal("0.25"))
    try await first.settle(next, actual: decimal("0.25"))
    #expect(try await second.spend(keyID: keyID) == KeySpend(spentUSD: decimal("0.25"), reservedUSD: 0))

    // An expired reservation not yet swept is still charged when settled late, once.
    try await first.settle(leaked, actual: decimal("0.05"))
    try await first.settle(leaked, actual: decimal("0.05"))
    #expect(try await first.spend(keyID: keyID) == KeySpend(spentUSD: decimal("0.3"), reservedUSD: 0))

    // A lifetime after expiry the next reservation sweeps it; settling it then charges nothing.
    let swept = try #require(try await first.reserve(keyID: keyID, amount: decimal("0.1"), limit: limit))
    time.advance(by: 121)
    let last = try #require(try await second.reserve(keyID: keyID, amount: decimal("0.7"), limit: limit))
    try await first.settle(swept, actual: decimal("0.1"))
    try await second.settle(last, actual: decimal("0.7"))
    #expect(try await second.spend(keyID: keyID) == KeySpend(spentUSD: decimal("1"), reservedUSD: 0))
    #expect(try await first.reserve(keyID: keyID, amount: decimal("0.000001"), limit: limit) == nil)
}

/// Runs a writer as a service while `body` runs, then shuts it down gracefully.
func withWriter(_ store: any LedgerStore, maxBatch: Int = 512, _ body: (LedgerWriter) async throws -> Void) async throws {
    let writer = LedgerWriter(store: store, maxBatch: maxBatch)
    let group = ServiceGroup(services: [writer], logger: Logger(label: "test"))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        // Wait for run() to start, so the rows below take the batching path, not the direct one.
        while !writer.isRunning { try await Task.sleep(for: .milliseconds(1)) }
        try await body(writer)
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}
