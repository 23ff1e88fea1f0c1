import Foundation
import Logging
import ShepherdCore
import Testing

@testable import ShepherdLedger

private let postgresURL = ProcessInfo.processInfo.environment["SHEPHERD_TEST_POSTGRES_URL"]

/// Against a real server: `.ci/run` starts one on loopback and sets SHEPHERD_TEST_POSTGRES_URL.
@Suite(
    "PostgreSQL ledger",
    .enabled(if: postgresURL != nil, "SHEPHERD_TEST_POSTGRES_URL is not set (.ci/run starts a server and sets it)"),
    .serialized)
struct PostgresLedgerStoreTests {
    /// Two stores with their own connection pools, as two gateway instances would have.
    func withTwoStores(_ body: (PostgresLedgerStore, PostgresLedgerStore) async throws -> Void) async throws {
        let url = try #require(postgresURL)
        let first = try PostgresLedgerStore(url: url)
        let second = try PostgresLedgerStore(url: url)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await first.run() }
            group.addTask { try await second.run() }
            defer { group.cancelAll() }
            // Both migrate at once: the advisory lock must make that safe.
            async let a: Void = first.migrate()
            async let b: Void = second.migrate()
            _ = try await (a, b)
            try await body(first, second)
        }
    }

    @Test("two gateway instances on one database share a budget: 10 of 30 charged")
    func sharedBudget() async throws {
        try await withTwoStores { first, second in
            let key = "key_\(UUID().uuidString)"
            let result = try await raceForBudget([first, second], keyID: key, limit: decimal("0.10"), each: decimal("0.01"))
            #expect(result.granted == 10 && result.refused == 20)
            #expect(try await second.spend(keyID: key) == KeySpend(spentUSD: decimal("0.10"), reservedUSD: 0))
        }
    }

    @Test("rows written by one instance are in the other's totals, exactly")
    func sharedUsage() async throws {
        try await withTwoStores { first, second in
            let model = "m-\(UUID().uuidString)"
            let start = Date().addingTimeInterval(-1)
            let prefix = UUID().uuidString
            try await first.append([
                record("\(prefix)-1", model: model, key: nil, cost: "0.000123456789"),
                record("\(prefix)-2", model: model, cached: 30, cost: "0.1", priced: false),
            ])
            try await second.append([record("\(prefix)-3", model: model, cost: "0.2"), record("\(prefix)-1", model: model, cost: "5")])
            let rows = try await second.usage(since: start, groupBy: [.model, .key]).filter { $0.group[0] == model }
            #expect(rows.map(\.group) == [[model, "-"], [model, "key_a"]])
            let total = rows.total()
            #expect(total.requests == 3 && total.cachedInputTokens == 30 && total.unpricedRequests == 1)
            #expect(total.costUSD == decimal("0.300123456789"))
            let days = try await first.usage(since: start, groupBy: [.day, .model]).filter { $0.group[1] == model }
            #expect(days.first?.group[0] == UsageGrouping.day(of: Date()))
        }
    }

    @Test("the group-commit writer works on PostgreSQL too")
    func writer() async throws {
        try await withTwoStores { first, _ in
            let writer = LedgerWriter(store: first)
            let model = "w-\(UUID().uuidString)"
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await writer.run() }
                while !writer.isRunning { try await Task.sleep(for: .milliseconds(1)) }
                try await withThrowingTaskGroup(of: Void.self) { inner in
                    for index in 0..<100 { inner.addTask { try await writer.record(record("\(model)-\(index)", model: model)) } }
                    try await inner.waitForAll()
                }
                group.cancelAll()
            }
            let rows = try await first.usage(since: nil, groupBy: [.model]).filter { $0.group == [model] }
            #expect(rows.first?.requests == 100)
        }
    }

    @Test("a key created through one instance works on the other, is stored as a hash, and a revoke reaches both")
    func sharedKeys() async throws {
        try await withTwoStores { first, second in
            let created = try await first.create(name: "shared", models: ["chat"], budgetUSD: decimal("2.5"), rpm: 60, tpm: nil)
            let seen = try #require(try await second.authenticate(secret: created.secret))
            #expect(seen == created.key.withStoredPrecision(seen.createdAt))
            #expect(seen.budgetUSD == decimal("2.5") && seen.rpm == 60 && seen.tpm == nil && seen.models == ["chat"])
            #expect(try await second.authenticate(secret: created.secret + "x") == nil)
            #expect(try await second.list().contains { $0.id == created.key.id && $0.prefix == String(created.secret.prefix(12)) })
            // Only the hash is in the table: no column holds the secret's random part.
            let secretPart = String(created.secret.dropFirst(12))
            var hits = 0
            for try await _ in try await first.client.query(
                "SELECT 1 FROM virtual_keys WHERE position(\(secretPart) in concat_ws('|', id, name, prefix, key_hash, models)) > 0",
                logger: first.logger)
            {
                hits += 1
            }
            #expect(hits == 0)
            #expect(try await second.revoke(id: created.key.id))
            #expect(try await second.revoke(id: created.key.id))
            #expect(try await first.authenticate(secret: created.secret) == nil)
            #expect(try await first.revoke(id: "key_missing") == false)
            #expect(await first.ping())
        }
    }
}

extension VirtualKey {
    /// PostgreSQL keeps microseconds; compare with the time as it came back.
    fileprivate func withStoredPrecision(_ createdAt: Date) -> VirtualKey {
        var copy = self
        copy.createdAt = createdAt
        return copy
    }
}

extension PostgresLedgerStoreTests {
    @Test("a reservation left unsettled by a killed gateway stops counting once expired; settle charges once")
    func reservationExpiry() async throws {
        let url = try #require(postgresURL)
        let time = ManualTime()
        let first = try PostgresLedgerStore(url: url, clock: time.clock())
        let second = try PostgresLedgerStore(url: url, clock: time.clock())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await first.run() }
            group.addTask { try await second.run() }
            defer { group.cancelAll() }
            let key = "key_\(UUID().uuidString)"
            try await checkReservationExpiry(first, second, time: time, keyID: key)
            var left = 0
            for try await count in try await first.client.query(
                "SELECT count(*)::int8 FROM ledger_budget_reservations WHERE key_id = \(key)", logger: first.logger
            ).decode(Int64.self) {
                left = Int(count)
            }
            #expect(left == 0)
        }
    }
}

extension PostgresLedgerStoreTests {
    @Test("rollout state, history and shadow summaries saved through one instance are restored through another")
    func sharedRolloutState() async throws {
        try await withTwoStores { first, second in
            let model = "chat-\(UUID().uuidString)"
            try await checkRolloutState(first, reopened: second, model: model)
            try await checkRolloutEvents(first, model: model)
            #expect(try await second.events(model: model).count == 5)
            try await checkShadowSummaries(first, model: model)
            #expect(try await second.loadShadow(model: model, as: [String: Double].self) == ["similarity": 0.8])
            // Opened through LedgerStores, as the gateway and the CLI do, sharing the pool.
            let yaml = """
                storage: \(try #require(postgresURL))
                providers: { sim: { kind: mock } }
                models: { chat: { targets: [{ provider: sim, model: m }] } }
                """
            let config = try ConfigLoader.parse(yaml, file: "p.yaml", environment: [:])
            #expect(try LedgerStores.openRollouts(for: config, sharing: second) as? PostgresLedgerStore === second)
        }
    }

    @Test("config versions: the same text keeps its version, numbered without gaps, across instances")
    func sharedConfigVersions() async throws {
        try await withTwoStores { first, second in
            let tag = UUID().uuidString
            // Far ahead, and later on every run: the latest applied version of the database is ours.
            let day = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3_000_000_000).rounded())
            let one = "models: {a: 1} # \(tag)\n"
            let two = "models: {a: 2} # \(tag)\n"
            // Two gateways starting together on the same text agree on one version.
            async let a = first.recordConfigVersion(yaml: one, note: "initial", now: day)
            async let b = second.recordConfigVersion(yaml: one, note: "initial", now: day)
            let (firstID, sameID) = try await (a, b)
            #expect(firstID == sameID)
            let secondID = try await second.recordConfigVersion(yaml: two, note: nil, now: day.addingTimeInterval(60))
            #expect(secondID == firstID + 1)
            #expect(try await first.currentConfigVersion()?.id == secondID)
            #expect(try await first.recordConfigVersion(yaml: one, note: "rollback", now: day.addingTimeInterval(120)) == firstID)
            #expect(try await second.currentConfigVersion()?.id == firstID)
            let version = try #require(try await second.configVersion(id: firstID))
            #expect(version.yaml == one && version.note == "initial" && version.sha256 == ConfigVersion.digest(one))
            #expect(version.createdAt == day && version.appliedAt == day.addingTimeInterval(120))
            #expect(try await first.configVersions().filter { $0.yaml.hasSuffix("# \(tag)\n") }.map(\.id) == [firstID, secondID])
            #expect(try await first.configVersion(id: -1) == nil)
            // Leave the shared test database's history to the runs that come after.
            try await first.client.query("DELETE FROM config_versions WHERE yaml LIKE \("%# \(tag)\n")", logger: first.logger)
        }
    }
}
