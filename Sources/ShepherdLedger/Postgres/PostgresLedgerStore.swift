import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The ledger in PostgreSQL, for several gateways sharing one database: budgets are reserved
/// under a row lock on the key's spend row and charged by single conditional statements, so
/// they hold across instances.
///
/// The client needs ``run()`` running (add the store to the service group, before the server);
/// the schema is migrated on first use.
public final class PostgresLedgerStore: LedgerStore, Service {
    public let client: PostgresClient
    let logger: Logger
    private let migration = Mutex<Task<Void, any Error>?>(nil)

    let clock: ReservationClock

    /// - Parameter clock: how long budget reservations live (``GatewayConfig/reservationLifetime``
    ///   for a gateway) and the time they are measured against; gateways sharing a database
    ///   should have clocks within seconds of each other, which a lifetime of minutes absorbs.
    public convenience init(
        url: String, logger: Logger = Logger(label: "shepherd.ledger"), clock: ReservationClock = ReservationClock()
    ) throws {
        self.init(
            client: PostgresClient(configuration: try PostgresURL.configuration(url), backgroundLogger: logger), logger: logger,
            clock: clock)
    }

    public init(client: PostgresClient, logger: Logger = Logger(label: "shepherd.ledger"), clock: ReservationClock = ReservationClock()) {
        self.client = client
        self.logger = logger
        self.clock = clock
    }

    /// Runs the connection pool until cancelled or shut down.
    public func run() async throws {
        await client.run()
    }

    /// Brings the schema up to date; later calls wait for the first one. A failure lets the
    /// next call try again.
    public func migrate() async throws {
        let task = migration.withLock { current -> Task<Void, any Error> in
            if let current { return current }
            let task = Task { [client, logger] in try await Self.migrate(client, logger: logger) }
            current = task
            return task
        }
        do {
            try await task.value
        } catch {
            migration.withLock { if $0 == task { $0 = nil } }
            throw error
        }
    }

    public func append(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        try await migrate()
        // One multi-row statement per chunk, in one transaction: a batch lands whole or not at all.
        let chunks = stride(from: 0, to: records.count, by: Self.rowsPerStatement).map {
            records[$0..<min($0 + Self.rowsPerStatement, records.count)]
        }
        if chunks.count == 1 {
            try await client.query(Self.insert(chunks[0]), logger: logger)
            return
        }
        try await client.withTransaction(logger: logger) { connection in
            for chunk in chunks { _ = try await connection.query(Self.insert(chunk), logger: logger) }
        }
    }

    public func usage(since: Date?, groupBy: [UsageGrouping]) async throws -> [UsageSummaryRow] {
        try await migrate()
        let columns = groupBy.map(Self.column)
        var sql = "SELECT "
        sql += columns.map { "\($0), " }.joined()
        sql += """
            count(*)::int8, COALESCE(sum(input_tokens), 0)::int8, COALESCE(sum(cached_input_tokens), 0)::int8,
            COALESCE(sum(output_tokens), 0)::int8, COALESCE(sum(cost_usd), 0)::text,
            (count(*) FILTER (WHERE NOT priced))::int8
            FROM ledger_usage WHERE time >= $1
            """
        if !columns.isEmpty { sql += " GROUP BY " + (1...columns.count).map(String.init).joined(separator: ", ") }
        var binds = PostgresBindings()
        binds.append(since ?? Date(timeIntervalSince1970: 0))
        var result: [UsageSummaryRow] = []
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            let cells = row.makeRandomAccess()
            let group = try (0..<columns.count).map { try cells[$0].decode(String.self) }
            let n = columns.count
            let summary = UsageSummaryRow(
                group: group, requests: Int(try cells[n].decode(Int64.self)),
                inputTokens: Int(try cells[n + 1].decode(Int64.self)),
                cachedInputTokens: Int(try cells[n + 2].decode(Int64.self)),
                outputTokens: Int(try cells[n + 3].decode(Int64.self)),
                costUSD: DecimalText.parse(try cells[n + 4].decode(String.self)) ?? 0,
                unpricedRequests: Int(try cells[n + 5].decode(Int64.self)))
            if summary.requests > 0 { result.append(summary) }
        }
        return result.sortedByGroup()
    }

    public func reserve(keyID: String, amount: Decimal, limit: Decimal) async throws -> BudgetReservation? {
        precondition(amount >= 0, "a reservation is never negative")
        try await migrate()
        let (now, expiresAt, sweepBefore) = clock.times()
        let reservation = BudgetReservation(id: UUID().uuidString, keyID: keyID, amount: amount, expiresAt: expiresAt)
        let amountText = DecimalText.format(amount)
        let limitText = DecimalText.format(limit)
        return try await client.withTransaction(logger: logger) { [logger] connection in
            // The key's spend row, locked until commit: reservations of one key take turns across
            // every gateway, and each of the statements below, being later, sees all the
            // reservations committed before the lock was ours. Long-expired reservations of any
            // key are swept on the way, skipping rows a late settle holds (no lock waits, no
            // deadlock).
            _ = try await connection.query(
                """
                INSERT INTO ledger_key_spend AS s (key_id, spent_usd, reserved_usd) VALUES (\(keyID), 0, 0)
                ON CONFLICT (key_id) DO UPDATE SET reserved_usd = s.reserved_usd
                """, logger: logger)
            let rows = try await connection.query(
                """
                WITH swept AS (
                    DELETE FROM ledger_budget_reservations WHERE id IN (
                        SELECT id FROM ledger_budget_reservations WHERE expires_at < \(sweepBefore) FOR UPDATE SKIP LOCKED))
                INSERT INTO ledger_budget_reservations (id, key_id, amount_usd, expires_at)
                SELECT \(reservation.id), \(keyID), \(amountText)::numeric, \(expiresAt)
                WHERE (SELECT spent_usd FROM ledger_key_spend WHERE key_id = \(keyID))
                    + (SELECT COALESCE(sum(amount_usd), 0) FROM ledger_budget_reservations
                       WHERE key_id = \(keyID) AND expires_at > \(now))
                    + \(amountText)::numeric <= \(limitText)::numeric
                RETURNING id
                """, logger: logger)
            for try await _ in rows { return reservation }
            return nil
        }
    }

    public func settle(_ reservation: BudgetReservation, actual: Decimal) async throws {
        try await migrate()
        let actualText = DecimalText.format(actual)
        // One statement: only the settle that deletes the reservation charges, so a retry (or a
        // second gateway settling the same one) charges nothing more.
        try await client.query(
            """
            WITH released AS (DELETE FROM ledger_budget_reservations WHERE id = \(reservation.id) RETURNING key_id)
            UPDATE ledger_key_spend SET spent_usd = spent_usd + \(actualText)::numeric
            WHERE key_id IN (SELECT key_id FROM released)
            """, logger: logger)
    }

    public func spend(keyID: String) async throws -> KeySpend {
        try await migrate()
        let rows = try await client.query(
            """
            SELECT (SELECT spent_usd FROM ledger_key_spend WHERE key_id = \(keyID))::text,
                (SELECT COALESCE(sum(amount_usd), 0) FROM ledger_budget_reservations
                 WHERE key_id = \(keyID) AND expires_at > \(clock.now()))::text
            """, logger: logger)
        for try await (spent, reserved) in rows.decode((String?, String).self) {
            return KeySpend(spentUSD: spent.flatMap(DecimalText.parse) ?? 0, reservedUSD: DecimalText.parse(reserved) ?? 0)
        }
        return KeySpend()
    }

    /// Bind parameters per statement are capped at 65,535; 21 columns a row.
    static let rowsPerStatement = 1_000

    static func column(_ grouping: UsageGrouping) -> String {
        switch grouping {
        case .model: "public_model"
        case .provider: "provider"
        case .key: "COALESCE(key_id, '-')"
        case .day: "to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        }
    }

    static func insert(_ records: ArraySlice<UsageRecord>) -> PostgresQuery {
        var binds = PostgresBindings(capacity: records.count * 21)
        var rows: [String] = []
        rows.reserveCapacity(records.count)
        for record in records {
            let base = binds.count
            let p = (1...21).map { "$\(base + $0)" }
            rows.append(
                "(\(p[0...12].joined(separator: ", ")), \(p[13])::numeric, \(p[14])::numeric, \(p[15])::numeric, "
                    + "\(p[16...20].joined(separator: ", ")))")
            binds.append(record.id)
            binds.append(record.shadow)
            binds.append(record.time)
            binds.append(record.keyID)
            binds.append(record.publicModel)
            binds.append(record.provider)
            binds.append(record.targetModel)
            binds.append(record.attempts)
            binds.append(record.status)
            binds.append(record.inputTokens)
            binds.append(record.cachedInputTokens)
            binds.append(record.outputTokens)
            binds.append(record.imageCount)
            binds.append(DecimalText.format(record.audioSeconds))
            binds.append(DecimalText.format(record.videoSeconds))
            binds.append(DecimalText.format(record.costUSD))
            binds.append(record.priced)
            binds.append(record.estimated)
            binds.append(record.firstByteMs)
            binds.append(record.totalMs)
            binds.append(record.rolloutStep)
        }
        let sql = """
            INSERT INTO ledger_usage (
                id, shadow, time, key_id, public_model, provider, target_model, attempts, status,
                input_tokens, cached_input_tokens, output_tokens, image_count, audio_seconds, video_seconds,
                cost_usd, priced, estimated, first_byte_ms, total_ms, rollout_step)
            VALUES \(rows.joined(separator: ", "))
            ON CONFLICT (id, shadow) DO NOTHING
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
