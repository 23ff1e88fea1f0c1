import Foundation
import GRDB
import ShepherdCore

/// Virtual keys in SQLite (WAL), in the ledger's file.
public final class SQLiteKeyStore: KeyStore {
    private let database: DatabasePool

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        database = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(database)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1_virtual_keys") { db in
            try db.create(table: "virtual_keys") { table in
                table.primaryKey("id", .text)
                table.column("name", .text).notNull()
                table.column("prefix", .text).notNull()
                table.column("key_hash", .text).notNull().unique()
                table.column("models", .text)
                table.column("budget_usd", .text)
                table.column("rpm", .integer)
                table.column("tpm", .integer)
                table.column("created_at", .double).notNull()
                table.column("revoked_at", .double)
            }
        }
        return migrator
    }

    public func create(name: String, models: [String]?, budgetUSD: Decimal?, rpm: Int?, tpm: Int?, now: Date) async throws -> CreatedKey {
        let created = KeySecrets.make(name: name, models: models, budgetUSD: budgetUSD, rpm: rpm, tpm: tpm, now: now)
        let key = created.key
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO virtual_keys (id, name, prefix, key_hash, models, budget_usd, rpm, tpm, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key.id, key.name, key.prefix, KeySecrets.hash(created.secret), KeySecrets.storedModels(models),
                    budgetUSD.map(DecimalText.format), rpm, tpm, now.timeIntervalSince1970,
                ])
        }
        return created
    }

    public func list() async throws -> [VirtualKey] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM virtual_keys ORDER BY created_at, id").map(Self.key(from:))
        }
    }

    public func revoke(id: String, now: Date) async throws -> Bool {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE virtual_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [now.timeIntervalSince1970, id])
            if db.changesCount > 0 { return true }
            return (try Bool.fetchOne(db, sql: "SELECT 1 FROM virtual_keys WHERE id = ?", arguments: [id]) ?? false)
        }
    }

    public func key(hash: String) async throws -> VirtualKey? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM virtual_keys WHERE key_hash = ?", arguments: [hash]).map(Self.key(from:))
        }
    }

    public func ping() async -> Bool {
        (try? await database.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    static func key(from row: Row) throws -> VirtualKey {
        let revoked: Double? = row["revoked_at"]
        let budget: String? = row["budget_usd"]
        return VirtualKey(
            id: row["id"], name: row["name"], prefix: row["prefix"],
            models: KeySecrets.models(stored: row["models"]),
            budgetUSD: budget.flatMap(DecimalText.parse),
            rpm: row["rpm"], tpm: row["tpm"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            revokedAt: revoked.map(Date.init(timeIntervalSince1970:)))
    }
}
