import Foundation
import GRDB
import Logging
import ServiceLifecycle

/// The ledger in SQLite: WAL with `synchronous = NORMAL`, so a committed row survives the
/// gateway being killed (only a power cut can lose the last transactions). Can share the key
/// store's database file.
///
/// Run it as a service to move the log into the database file in the background
/// (``WALCheckpointer``); without that, the writers checkpoint on their own, later.
public final class SQLiteLedgerStore: SynchronousLedgerAppending, Service {
    private let database: DatabasePool
    private let checkpointer: WALCheckpointer
    let clock: ReservationClock

    /// - Parameter clock: how long budget reservations live (``GatewayConfig/reservationLifetime``
    ///   for a gateway) and the time they are measured against.
    public init(path: String, clock: ReservationClock = ReservationClock(), logger: Logger = Logger(label: "shepherd.ledger")) throws {
        self.clock = clock
        checkpointer = WALCheckpointer(path: path, logger: logger)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // WAL + NORMAL: commits reach the OS before returning, which is what kill -9 needs.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(WALCheckpointer.fallbackPages)")
        }
        database = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(database)
    }

    /// Checkpoints the log in the background until cancelled or shut down (``WALCheckpointer``).
    public func run() async throws {
        await checkpointer.run()
    }

    /// Background checkpoints so far (for tests).
    var completedCheckpoints: Int { checkpointer.completedCheckpoints }

    public func append(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        try await database.writeWithoutTransaction { db in try Self.insert(records, into: db) }
        checkpointer.noteCommitted(rows: records.count)
    }

    /// The writer queue's `sync` runs the commit on the caller's thread when no other write
    /// holds it, so a lone row costs no thread hop (see ``LedgerWriter``).
    public func appendNow(_ records: [UsageRecord]) throws {
        guard !records.isEmpty else { return }
        try database.writeWithoutTransaction { db in try Self.insert(records, into: db) }
        checkpointer.noteCommitted(rows: records.count)
    }

    private static func insert(_ records: [UsageRecord], into db: Database) throws {
        let statement = try db.cachedStatement(sql: Self.insertSQL)
        if records.count == 1 {
            // A lone row is its own transaction (autocommit), as durable as one in BEGIN…COMMIT.
            // Those two statements are parsed anew on every call, and cost as much as the insert.
            try statement.execute(arguments: Self.arguments(records[0]))
            return
        }
        try db.inTransaction(.immediate) {
            for record in records { try statement.execute(arguments: Self.arguments(record)) }
            return .commit
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

    public func reserve(keyID: String, amount: Decimal, limit: Decimal) async throws -> BudgetReservation? {
        precondition(amount >= 0, "a reservation is never negative")
        let (now, expiresAt, sweepBefore) = clock.times()
        let reservation = BudgetReservation(id: UUID().uuidString, keyID: keyID, amount: amount, expiresAt: expiresAt)
        return try await database.writeWithoutTransaction { db in
            var granted = false
            // IMMEDIATE takes the write lock before reading, so the check and the insert are one
            // step even against another process on the same file.
            try db.inTransaction(.immediate) {
                // Long-expired reservations of any key go (the table holds only what is in flight).
                try db.execute(
                    sql: "DELETE FROM ledger_budget_reservations WHERE expires_at < ?", arguments: [sweepBefore.timeIntervalSince1970])
                let current = try Self.spend(db, keyID: keyID, now: now)
                guard current.spentUSD + current.reservedUSD + amount <= limit else { return .rollback }
                try db.execute(
                    sql: "INSERT INTO ledger_budget_reservations (id, key_id, amount_usd, expires_at) VALUES (?, ?, ?, ?)",
                    arguments: [reservation.id, keyID, DecimalText.format(amount), expiresAt.timeIntervalSince1970])
                granted = true
                return .commit
            }
            return granted ? reservation : nil
        }
    }

    public func settle(_ reservation: BudgetReservation, actual: Decimal) async throws {
        try await database.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                // Charged only by the settle that removes the row: a retry finds nothing to do.
                try db.execute(sql: "DELETE FROM ledger_budget_reservations WHERE id = ?", arguments: [reservation.id])
                guard db.changesCount > 0 else { return .rollback }
                try db.execute(
                    sql: """
                        INSERT INTO ledger_key_spend (key_id, spent_usd, reserved_usd) VALUES (?, ?, '0')
                        ON CONFLICT (key_id) DO NOTHING
                        """,
                    arguments: [reservation.keyID, "0"])
                let spent = try String.fetchOne(
                    db, sql: "SELECT spent_usd FROM ledger_key_spend WHERE key_id = ?", arguments: [reservation.keyID])
                let total = (spent.flatMap(DecimalText.parse) ?? 0) + actual
                try db.execute(
                    sql: "UPDATE ledger_key_spend SET spent_usd = ? WHERE key_id = ?",
                    arguments: [DecimalText.format(total), reservation.keyID])
                return .commit
            }
        }
    }

    public func spend(keyID: String) async throws -> KeySpend {
        let now = clock.now()
        return try await database.read { db in try Self.spend(db, keyID: keyID, now: now) }
    }

    /// Whether the database answers; for readiness.
    public func ping() async -> Bool {
        (try? await database.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    /// Spent money, and the unexpired reservations summed here, not by SQLite, whose SUM would
    /// go through floating point.
    private static func spend(_ db: Database, keyID: String, now: Date) throws -> KeySpend {
        let spent = try String.fetchOne(db, sql: "SELECT spent_usd FROM ledger_key_spend WHERE key_id = ?", arguments: [keyID])
        var reserved: Decimal = 0
        let amounts = try String.fetchCursor(
            db, sql: "SELECT amount_usd FROM ledger_budget_reservations WHERE key_id = ? AND expires_at > ?",
            arguments: [keyID, now.timeIntervalSince1970])
        while let amount = try amounts.next() { reserved += DecimalText.parse(amount) ?? 0 }
        return KeySpend(spentUSD: spent.flatMap(DecimalText.parse) ?? 0, reservedUSD: reserved)
    }
}
