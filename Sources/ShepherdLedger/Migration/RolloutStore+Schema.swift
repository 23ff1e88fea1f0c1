import GRDB

extension RolloutStore {
    /// Its own migrations, named `rollout_v…`, beside the key store's and the ledger's in the
    /// same `grdb_migrations` table, so all of them can share one database file.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("rollout_v1") { db in
            // States and summaries are JSON text: they are read back whole by the gateway,
            // and stay legible to someone with the sqlite3 shell during an incident.
            try db.create(table: "rollout_state") { table in
                table.primaryKey("model", .text)
                table.column("state", .text).notNull()
                table.column("updated_at", .double).notNull()
            }
            try db.create(table: "rollout_events") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("model", .text).notNull()
                table.column("time", .double).notNull()
                table.column("kind", .text).notNull()
                table.column("detail", .text).notNull()
            }
            try db.create(index: "rollout_events_model", on: "rollout_events", columns: ["model", "id"])
            try db.create(table: "shadow_summaries") { table in
                table.primaryKey("model", .text)
                table.column("summary", .text).notNull()
                table.column("updated_at", .double).notNull()
            }
            try db.create(table: "config_versions") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("created_at", .double).notNull()
                // When this text was last recorded: the version in force is the latest one.
                table.column("applied_at", .double).notNull()
                table.column("sha256", .text).notNull().unique()
                table.column("yaml", .text).notNull()
                table.column("note", .text)
            }
        }
        return migrator
    }
}
