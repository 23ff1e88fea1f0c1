import Foundation
import GRDB

/// The ledger in SQLite: WAL with `synchronous = NORMAL`, so a committed row survives the
/// gateway being killed (only a power cut can lose the last transactions). Can share the key
/// store's database file.
public final class SQLiteLedgerStore: LedgerStore {
    private let database: DatabasePool

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // WAL + NORMAL: commits reach the OS before returning, which is what kill -9 needs.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        database = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(database)
    }

    public func append(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        try await database.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                let statement = try db.cachedStatement(sql: Self.insertSQL)
                for record in records { try statement.execute(arguments: Self.arguments(record)) }
                return .commit
            }
        }
    }

    public func usage(since: Date?, groupBy: [UsageGrouping]) async throws -> [UsageSummaryRow] {
        try await database.read { db in
            // Costs are summed here, not by SQLite, whose SUM would go through floating point.
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT time, key_id, public_model, provider, input_tokens, cached_input_tokens,
                           output_tokens, cost_usd, priced
                    FROM ledger_usage WHERE time >= ?
                    """,
                arguments: [since?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude])
            var groups: [[String]: UsageSummaryRow] = [:]
            var days: [Int: String] = [:]
            while let row = try cursor.next() {
                let group = groupBy.map { grouping -> String in
                    switch grouping {
                    case .model: return row["public_model"]
                    case .provider: return row["provider"]
                    case .key:
                        let key: String? = row["key_id"]
                        return key ?? "-"
                    case .day:
                        let seconds: Double = row["time"]
                        let number = Int((seconds / 86_400).rounded(.down))
                        if let day = days[number] { return day }
                        let day = UsageGrouping.day(of: Date(timeIntervalSince1970: Double(number) * 86_400))
                        days[number] = day
                        return day
                    }
                }
                let cost: String = row["cost_usd"]
                let priced: Bool = row["priced"]
                groups[group, default: UsageSummaryRow(group: group)].add(
                    UsageSummaryRow(
                        group: group, requests: 1, inputTokens: row["input_tokens"],
                        cachedInputTokens: row["cached_input_tokens"], outputTokens: row["output_tokens"],
                        costUSD: DecimalText.parse(cost) ?? 0, unpricedRequests: priced ? 0 : 1))
            }
            return Array(groups.values).sortedByGroup()
        }
    }

    public func reserve(keyID: String, amount: Decimal, limit: Decimal) async throws -> Bool {
        precondition(amount >= 0, "a reservation is never negative")
        return try await database.writeWithoutTransaction { db in
            var granted = false
            // IMMEDIATE takes the write lock before reading, so the check and the update are one
            // step even against another process on the same file.
            try db.inTransaction(.immediate) {
                let current = try Self.spend(db, keyID: keyID)
                guard current.spentUSD + current.reservedUSD + amount <= limit else { return .rollback }
                try Self.store(db, keyID: keyID, KeySpend(spentUSD: current.spentUSD, reservedUSD: current.reservedUSD + amount))
                granted = true
                return .commit
            }
            return granted
        }
    }

    public func settle(keyID: String, reserved: Decimal, actual: Decimal) async throws {
        try await database.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                let current = try Self.spend(db, keyID: keyID)
                let left = current.reservedUSD - reserved
                try Self.store(db, keyID: keyID, KeySpend(spentUSD: current.spentUSD + actual, reservedUSD: max(left, 0)))
                return .commit
            }
        }
    }

    public func spend(keyID: String) async throws -> KeySpend {
        try await database.read { db in try Self.spend(db, keyID: keyID) }
    }

    /// Whether the database answers; for readiness.
    public func ping() async -> Bool {
        (try? await database.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    private static func spend(_ db: Database, keyID: String) throws -> KeySpend {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT spent_usd, reserved_usd FROM ledger_key_spend WHERE key_id = ?", arguments: [keyID])
        else { return KeySpend() }
        let spent: String = row["spent_usd"]
        let reserved: String = row["reserved_usd"]
        return KeySpend(spentUSD: DecimalText.parse(spent) ?? 0, reservedUSD: DecimalText.parse(reserved) ?? 0)
    }

    private static func store(_ db: Database, keyID: String, _ spend: KeySpend) throws {
        try db.execute(
            sql: """
                INSERT INTO ledger_key_spend (key_id, spent_usd, reserved_usd) VALUES (?, ?, ?)
                ON CONFLICT (key_id) DO UPDATE SET spent_usd = excluded.spent_usd, reserved_usd = excluded.reserved_usd
                """,
            arguments: [keyID, DecimalText.format(spend.spentUSD), DecimalText.format(spend.reservedUSD)])
    }
}
