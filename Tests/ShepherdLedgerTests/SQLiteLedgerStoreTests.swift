import Foundation
import GRDB
import Logging
import Synchronization
import Testing

@testable import ShepherdLedger

@Suite("SQLite ledger")
struct SQLiteLedgerStoreTests {
    @Test("rows are stored exactly and summed by model, provider, key and day")
    func grouping() async throws {
        try await withTemporaryDatabase { path in
            let store = try SQLiteLedgerStore(path: path)
            let day1 = try #require(UsageWindow.since("2025-06-01T10:00:00Z"))
            let day2 = day1.addingTimeInterval(86_400)
            try await store.append([
                record("a", model: "chat", provider: "openai", key: "key_a", time: day1, input: 100, cached: 40, output: 10, cost: "0.000123456789"),
                record("b", model: "chat", provider: "relay", key: "key_a", time: day1, input: 200, output: 20, cost: "0.1"),
                record("c", model: "chat", provider: "openai", key: nil, time: day2, input: 300, output: 30, cost: "0.2"),
                record("d", model: "embed", provider: "openai", key: "key_b", time: day2, cost: "0", priced: false),
            ])
            // Appending a row again changes nothing: a retried batch does not double-count.
            try await store.append([record("a", cost: "99")])

            let total = try await store.usage(since: nil, groupBy: [])
            #expect(total == [UsageSummaryRow(group: [], requests: 4, inputTokens: 700, cachedInputTokens: 40, outputTokens: 70,
                                              costUSD: decimal("0.300123456789"), unpricedRequests: 1)])
            let byModel = try await store.usage(since: nil, groupBy: [.model])
            #expect(byModel.map(\.group) == [["chat"], ["embed"]])
            #expect(byModel[0].costUSD == decimal("0.300123456789") && byModel[0].requests == 3)
            let byProviderKey = try await store.usage(since: nil, groupBy: [.provider, .key])
            #expect(byProviderKey.map(\.group) == [["openai", "-"], ["openai", "key_a"], ["openai", "key_b"], ["relay", "key_a"]])
            let byDay = try await store.usage(since: nil, groupBy: [.day])
            #expect(byDay.map(\.group) == [["2025-06-01"], ["2025-06-02"]])
            #expect(byDay.map(\.requests) == [2, 2])
            let recent = try await store.usage(since: day2, groupBy: [.model])
            #expect(recent.map(\.requests) == [1, 1])
            #expect(try await store.usage(since: Date(), groupBy: []).isEmpty)
        }
    }

    @Test("run as a service, the store checkpoints its log into the database file in the background, and only after new rows")
    func backgroundCheckpoint() async throws {
        try await withTemporaryDatabase { path in
            let store = try SQLiteLedgerStore(path: path)
            let service = Task { try await store.run() }
            defer { service.cancel() }
            // Nothing committed: several intervals pass without a checkpoint.
            try await Task.sleep(for: WALCheckpointer.interval * 4)
            #expect(store.completedCheckpoints == 0)

            try store.appendNow([record("a", cost: "0.1")])
            try await store.append([record("b", cost: "0.2"), record("c", cost: "0.3")])
            // Bounded wait; the interval is 100 ms, and the suite shares two cores.
            let deadline = ContinuousClock.now + .seconds(30)
            while store.completedCheckpoints == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(store.completedCheckpoints >= 1)

            // The rows are in the database file itself: a copy without its log has them all.
            let copy = path + ".copy"
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copy + suffix) } }
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            let ids = try await DatabaseQueue(path: copy).read { db in
                try String.fetchAll(db, sql: "SELECT id FROM ledger_usage ORDER BY id")
            }
            #expect(ids == ["a", "b", "c"])
        }
    }

    @Test("every field of a row lands in its own column, nulls as NULL")
    func everyColumn() async throws {
        try await withTemporaryDatabase { path in
            let store = try SQLiteLedgerStore(path: path)
            let full = UsageRecord(
                id: "full", time: Date(timeIntervalSince1970: 1_750_000_000.5), keyID: "key_f", publicModel: "chat",
                provider: "relay", targetModel: "gemini-2.5-flash", attempts: 2, status: 502, inputTokens: 11,
                cachedInputTokens: 3, outputTokens: 7, imageCount: 4, audioSeconds: decimal("1.5"), videoSeconds: decimal("2.25"),
                costUSD: decimal("0.000123"), priced: false, estimated: true, firstByteMs: 13, totalMs: 99, rolloutStep: 2,
                shadow: true)
            let bare = UsageRecord(id: "bare", publicModel: "chat", provider: "openai", targetModel: "gpt-4o")
            try store.appendNow([full])
            try store.appendNow([bare])
            let rows = try DatabaseQueue(path: path).read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM ledger_usage ORDER BY id DESC")
            }
            let stored = try #require(rows.first)
            #expect(stored["id"] as String == "full")
            #expect(stored["shadow"] as Bool == true)
            #expect(stored["time"] as Double == 1_750_000_000.5)
            #expect(stored["key_id"] as String? == "key_f")
            #expect(stored["public_model"] as String == "chat")
            #expect(stored["provider"] as String == "relay")
            #expect(stored["target_model"] as String == "gemini-2.5-flash")
            #expect(stored["attempts"] as Int == 2)
            #expect(stored["status"] as Int == 502)
            #expect(stored["input_tokens"] as Int == 11)
            #expect(stored["cached_input_tokens"] as Int == 3)
            #expect(stored["output_tokens"] as Int == 7)
            #expect(stored["image_count"] as Int == 4)
            #expect(stored["audio_seconds"] as String == "1.5")
            #expect(stored["video_seconds"] as String == "2.25")
            #expect(stored["cost_usd"] as String == "0.000123")
            #expect(stored["priced"] as Bool == false)
            #expect(stored["estimated"] as Bool == true)
            #expect(stored["first_byte_ms"] as Int? == 13)
            #expect(stored["total_ms"] as Int == 99)
            #expect(stored["rollout_step"] as Int? == 2)
            let empty = try #require(rows.last)
            #expect(empty["key_id"] as String? == nil)
            #expect(empty["first_byte_ms"] as Int? == nil)
            #expect(empty["rollout_step"] as Int? == nil)
            #expect(empty["audio_seconds"] as String == "0" && empty["cost_usd"] as String == "0")
        }
    }

    @Test("a checkpointer that cannot open the database waits for the shutdown instead of ending, which would stop the gateway")
    func checkpointerThatCannotOpen() async throws {
        let checkpointer = WALCheckpointer(path: "/nonexistent-\(UUID().uuidString)/ledger.db", logger: Logger(label: "test"))
        let ended = Atomic<Bool>(false)
        let service = Task {
            await checkpointer.run()
            ended.store(true, ordering: .relaxed)
        }
        try await Task.sleep(for: WALCheckpointer.interval * 5)
        let endedEarly = ended.load(ordering: .relaxed)
        #expect(!endedEarly)
        service.cancel()
        await service.value
        let endedOnCancel = ended.load(ordering: .relaxed)
        #expect(endedOnCancel)
        #expect(checkpointer.completedCheckpoints == 0)
    }

    @Test("money is stored as exact text, never a float")
    func exactText() async throws {
        try await withTemporaryDatabase { path in
            let store = try SQLiteLedgerStore(path: path)
            try await store.append([record("x", cost: "0.1"), record("x", cost: "0.2", shadow: true)])
            let queue = try DatabaseQueue(path: path)
            let stored = try await queue.read { db in
                try Row.fetchAll(db, sql: "SELECT typeof(cost_usd) AS kind, cost_usd FROM ledger_usage ORDER BY shadow")
                    .map { row -> String in "\(row["kind"] as String):\(row["cost_usd"] as String)" }
            }
            #expect(stored == ["text:0.1", "text:0.2"])
        }
    }

    @Test("30 concurrent requests on a budget for 10: 10 charged, 20 refused, never over")
    func budgetRace() async throws {
        try await withTemporaryDatabase { path in
            let store = try SQLiteLedgerStore(path: path)
            let result = try await raceForBudget([store], keyID: "key_b", limit: decimal("0.10"), each: decimal("0.01"))
            #expect(result.granted == 10 && result.refused == 20)
            let spend = try await store.spend(keyID: "key_b")
            #expect(spend.spentUSD == decimal("0.10") && spend.reservedUSD == 0)
            #expect(try await store.reserve(keyID: "key_b", amount: decimal("0.000001"), limit: decimal("0.10")) == nil)
        }
    }

    @Test("two stores on one file share a key's budget")
    func sharedFile() async throws {
        try await withTemporaryDatabase { path in
            let stores: [any LedgerStore] = [try SQLiteLedgerStore(path: path), try SQLiteLedgerStore(path: path)]
            let result = try await raceForBudget(stores, keyID: "k", limit: decimal("1"), each: decimal("0.1"))
            #expect(result.granted == 10)
            #expect(try await stores[1].spend(keyID: "k").spentUSD == decimal("1"))
        }
    }

    @Test("settle charges the actual amount and releases the reservation")
    func settleActual() async throws {
        try await withTemporaryDatabase { path in
            let store = try SQLiteLedgerStore(path: path)
            let reservation = try #require(try await store.reserve(keyID: "k", amount: decimal("0.5"), limit: decimal("1")))
            #expect(try await store.spend(keyID: "k") == KeySpend(spentUSD: 0, reservedUSD: decimal("0.5")))
            try await store.settle(reservation, actual: decimal("0.123"))
            #expect(try await store.spend(keyID: "k") == KeySpend(spentUSD: decimal("0.123"), reservedUSD: 0))
            #expect(try await store.reserve(keyID: "k", amount: decimal("0.877"), limit: decimal("1")) != nil)
            #expect(try await store.reserve(keyID: "k", amount: decimal("0.001"), limit: decimal("1")) == nil)
        }
    }

    @Test("a reservation left unsettled by a killed gateway stops counting once expired; settle charges once")
    func reservationExpiry() async throws {
        try await withTemporaryDatabase { path in
            let time = ManualTime()
            // Two stores on one file: the first plays the killed gateway.
            let first = try SQLiteLedgerStore(path: path, clock: time.clock())
            let second = try SQLiteLedgerStore(path: path, clock: time.clock())
            try await checkReservationExpiry(first, second, time: time, keyID: "k")
            let rows = try await DatabaseQueue(path: path).read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger_budget_reservations")
            }
            #expect(rows == 0)
        }
    }

    @Test("upgrading releases what the old aggregate reservation held")
    func upgradeReleasesAggregate() async throws {
        try await withTemporaryDatabase { path in
            let queue = try DatabaseQueue(path: path)
            try SQLiteLedgerStore.migrator.migrate(queue, upTo: "ledger_v1_usage")
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO ledger_key_spend VALUES ('k', '0.2', '0.7')")
            }
            try queue.close()
            let store = try SQLiteLedgerStore(path: path)
            #expect(try await store.spend(keyID: "k") == KeySpend(spentUSD: decimal("0.2"), reservedUSD: 0))
            #expect(try await store.reserve(keyID: "k", amount: decimal("0.8"), limit: decimal("1")) != nil)
        }
    }

    @Test("the ledger shares a database file with the key store")
    func sharesWithKeyStore() async throws {
        try await withTemporaryDatabase { path in
            let keys = try SQLiteKeyStore(path: path)
            let store = try SQLiteLedgerStore(path: path)
            let created = try await keys.create(name: "n", models: nil, budgetUSD: decimal("5"), rpm: nil, tpm: nil)
            try await store.append([record("r", key: created.key.id)])
            _ = try SQLiteKeyStore(path: path)
            #expect(try await SQLiteLedgerStore(path: path).usage(since: nil, groupBy: [.key]).first?.group == [created.key.id])
        }
    }
}

@Suite("Ledger write-ahead log")
struct LedgerWALTests {
    /// A ledger that is written without pause must not grow its log without bound. A checkpointer
    /// on a connection of its own cannot restart the log by itself: its PASSIVE checkpoint cannot
    /// copy frames appended while it runs (18.7 GB in a 7-minute soak at 3,300 rows/s, when it was
    /// all there was). The writers' own automatic checkpoint restarts it (``WALCheckpointer``).
    @Test("5,000 single-row commits leave the log bounded by the writers' checkpoint, with and without the background one", arguments: [false, true])
    func logStaysBounded(background: Bool) async throws {
        try await withTemporaryDatabase { path in
            let store = try SQLiteLedgerStore(path: path)
            let service = Task { if background { try await store.run() } }
            defer { service.cancel() }
            for index in 0..<5_000 {
                try store.appendNow([record("wal\(index)")])
                if background, index % 500 == 0 { await Task.yield() }
            }
            let log = ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0
            // The writers' checkpoint restarts the log every 10,000 pages (40 MB at 4 KiB pages);
            // without it these commits write about 80 MB of log.
            #expect(log < 48 * 1024 * 1024, "the write-ahead log grew to \(log) bytes")
            #expect(try await store.usage(since: nil, groupBy: []).first?.requests == 5_000)
        }
    }
}
