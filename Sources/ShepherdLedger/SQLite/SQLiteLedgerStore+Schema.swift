import GRDB

extension SQLiteLedgerStore {
    /// The ledger's own migrations. They live in the same `grdb_migrations` table as the key
    /// store's, under distinct names, so both can share one database file.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("ledger_v1_usage") { db in
            // Money and seconds are TEXT holding exact decimals; TEXT affinity keeps SQLite
            // from turning them into floats.
            try db.create(table: "ledger_usage") { table in
                table.column("id", .text).notNull()
                table.column("shadow", .boolean).notNull()
                table.column("time", .double).notNull()
                table.column("key_id", .text)
                table.column("public_model", .text).notNull()
                table.column("provider", .text).notNull()
                table.column("target_model", .text).notNull()
                table.column("attempts", .integer).notNull()
                table.column("status", .integer).notNull()
                table.column("input_tokens", .integer).notNull()
                table.column("cached_input_tokens", .integer).notNull()
                table.column("output_tokens", .integer).notNull()
                table.column("image_count", .integer).notNull()
                table.column("audio_seconds", .text).notNull()
                table.column("video_seconds", .text).notNull()
                table.column("cost_usd", .text).notNull()
                table.column("priced", .boolean).notNull()
                table.column("estimated", .boolean).notNull()
                table.column("first_byte_ms", .integer)
                table.column("total_ms", .integer).notNull()
                table.column("rollout_step", .integer)
                table.primaryKey(["id", "shadow"])
            }
            try db.create(index: "ledger_usage_time", on: "ledger_usage", columns: ["time"])
            try db.create(table: "ledger_key_spend") { table in
                table.primaryKey("key_id", .text)
                table.column("spent_usd", .text).notNull()
                table.column("reserved_usd", .text).notNull()
            }
        }
        migrator.registerMigration("ledger_v2_budget_reservations") { db in
            // One row per reservation, so that one left by a killed gateway expires instead of
            // holding the key's budget forever. The aggregate `reserved_usd` is no longer used;
            // what it held (possibly leaked) is released here.
            try db.create(table: "ledger_budget_reservations") { table in
                table.primaryKey("id", .text)
                table.column("key_id", .text).notNull()
                table.column("amount_usd", .text).notNull()
                table.column("expires_at", .double).notNull()
            }
            try db.create(
                index: "ledger_budget_reservations_key", on: "ledger_budget_reservations", columns: ["key_id", "expires_at"])
            try db.execute(sql: "UPDATE ledger_key_spend SET reserved_usd = '0'")
        }
        return migrator
    }

    static let insertSQL = """
        INSERT OR IGNORE INTO ledger_usage (
            id, shadow, time, key_id, public_model, provider, target_model, attempts, status,
            input_tokens, cached_input_tokens, output_tokens, image_count, audio_seconds, video_seconds,
            cost_usd, priced, estimated, first_byte_ms, total_ms, rollout_step)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Each value converted by its own type, not through `any DatabaseValueConvertible`: the
    /// existential route was two thirds of building a row's arguments (sixth pass). The array
    /// literal matters too: GRDB's `init(_: some Sequence<some DatabaseValueConvertible>)` maps
    /// with a generic key path that the runtime builds anew on every call, demangling its type
    /// (seventh pass: 4 % of a request's CPU with the mock provider); the literal's init is
    /// concrete and boxes each `DatabaseValue` inline.
    static func arguments(_ record: UsageRecord) -> StatementArguments {
        [
            record.id.databaseValue, record.shadow.databaseValue, record.time.timeIntervalSince1970.databaseValue,
            record.keyID?.databaseValue ?? .null, record.publicModel.databaseValue, record.provider.databaseValue,
            record.targetModel.databaseValue, record.attempts.databaseValue, record.status.databaseValue,
            record.inputTokens.databaseValue, record.cachedInputTokens.databaseValue, record.outputTokens.databaseValue,
            record.imageCount.databaseValue, DecimalText.format(record.audioSeconds).databaseValue,
            DecimalText.format(record.videoSeconds).databaseValue, DecimalText.format(record.costUSD).databaseValue,
            record.priced.databaseValue, record.estimated.databaseValue, record.firstByteMs?.databaseValue ?? .null,
            record.totalMs.databaseValue, record.rolloutStep?.databaseValue ?? .null,
        ]
    }
}
