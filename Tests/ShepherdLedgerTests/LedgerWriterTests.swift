import Foundation
import GRDB
import Logging
import ServiceLifecycle
import Testing

@testable import ShepherdLedger

@Suite("Ledger writer (group commit)")
struct LedgerWriterTests {
    @Test("many concurrent records share few transactions, and every row lands")
    func batching() async throws {
        try await withTemporaryDatabase { path in
            let store = CountingStore(try SQLiteLedgerStore(path: path), delay: .milliseconds(5))
            try await withWriter(store, maxBatch: 64) { writer in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<300 { group.addTask { try await writer.record(record("r\(index)")) } }
                    try await group.waitForAll()
                }
            }
            let sizes = store.batchSizes
            #expect(sizes.reduce(0, +) == 300)
            #expect(sizes.count < 300 / 4, "transactions: \(sizes.count)")
            #expect(sizes.allSatisfy { $0 <= 64 })
            #expect(try await store.usage(since: nil, groupBy: []).first?.requests == 300)
        }
    }

    @Test("a row is durable when record() returns: another connection reads it at once")
    func durableOnReturn() async throws {
        try await withTemporaryDatabase { path in
            let store = try SQLiteLedgerStore(path: path)
            let reader = try DatabaseQueue(path: path)
            try await withWriter(store) { writer in
                for index in 0..<20 {
                    try await writer.record(record("d\(index)"))
                    let found = try await reader.read { db in
                        try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger_usage WHERE id = ?", arguments: ["d\(index)"])
                    }
                    #expect(found == 1)
                }
            }
        }
    }

    @Test("detached (shadow) rows are written without waiting, and flushed on shutdown")
    func detachedAndFlush() async throws {
        try await withTemporaryDatabase { path in
            let store = CountingStore(try SQLiteLedgerStore(path: path), delay: .milliseconds(20))
            try await withWriter(store) { writer in
                for index in 0..<50 { writer.recordDetached(record("s\(index)", shadow: true)) }
            }
            #expect(try await store.usage(since: nil, groupBy: []).first?.requests == 50, "batches: \(store.batchSizes)")
        }
    }

    @Test("before run() and after shutdown, record() writes directly instead of hanging")
    func outsideRun() async throws {
        try await withTemporaryDatabase { path in
            let store = try SQLiteLedgerStore(path: path)
            let writer = LedgerWriter(store: store)
            try await writer.record(record("early"))
            try await withWriter(store) { _ in }
            try await writer.record(record("late"))
            #expect(try await store.usage(since: nil, groupBy: []).first?.requests == 2)
        }
    }

    @Test("a failing store makes record() throw rather than pretend")
    func failure() async throws {
        struct Broken: LedgerStore {
            struct Failure: Error {}
            func append(_ records: [UsageRecord]) async throws { throw Failure() }
            func usage(since: Date?, groupBy: [UsageGrouping]) async throws -> [UsageSummaryRow] { [] }
            func reserve(keyID: String, amount: Decimal, limit: Decimal) async throws -> BudgetReservation? { nil }
            func settle(_ reservation: BudgetReservation, actual: Decimal) async throws {}
            func spend(keyID: String) async throws -> KeySpend { KeySpend() }
        }
        try await withWriter(Broken()) { writer in
            await #expect(throws: Broken.Failure.self) { try await writer.record(record("x")) }
        }
    }
}
