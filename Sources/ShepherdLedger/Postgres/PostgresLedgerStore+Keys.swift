import Foundation
import PostgresNIO

/// Virtual keys in the shared database, so that every gateway on it knows every key.
extension PostgresLedgerStore: KeyStore {
    public func create(name: String, models: [String]?, budgetUSD: Decimal?, rpm: Int?, tpm: Int?, now: Date) async throws -> CreatedKey {
        try await migrate()
        let created = KeySecrets.make(name: name, models: models, budgetUSD: budgetUSD, rpm: rpm, tpm: tpm, now: now)
        let key = created.key
        let hash = KeySecrets.hash(created.secret)
        let storedModels = KeySecrets.storedModels(models)
        let budget = budgetUSD.map(DecimalText.format)
        try await client.query(
            """
            INSERT INTO virtual_keys (id, name, prefix, key_hash, models, budget_usd, rpm, tpm, created_at)
            VALUES (\(key.id), \(key.name), \(key.prefix), \(hash), \(storedModels), \(budget)::numeric, \(rpm), \(tpm), \(now))
            """, logger: logger)
        return created
    }

    public func list() async throws -> [VirtualKey] {
        try await migrate()
        var keys: [VirtualKey] = []
        for try await row in try await client.query("\(unescaped: Self.keyColumns) ORDER BY created_at, id", logger: logger) {
            keys.append(try Self.key(from: row))
        }
        return keys
    }

    public func revoke(id: String, now: Date) async throws -> Bool {
        try await migrate()
        // Revoking twice still answers true: the key exists and is revoked.
        let rows = try await client.query(
            """
            UPDATE virtual_keys SET revoked_at = COALESCE(revoked_at, \(now)) WHERE id = \(id) RETURNING id
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    public func key(hash: String) async throws -> VirtualKey? {
        try await migrate()
        for try await row in try await client.query("\(unescaped: Self.keyColumns) WHERE key_hash = \(hash)", logger: logger) {
            return try Self.key(from: row)
        }
        return nil
    }

    public func ping() async -> Bool {
        do {
            for try await value in try await client.query("SELECT 1::int4", logger: logger).decode(Int32.self) { return value == 1 }
            return false
        } catch {
            return false
        }
    }

    static let keyColumns =
        "SELECT id, name, prefix, models, budget_usd::text, rpm, tpm, created_at, revoked_at FROM virtual_keys"

    static func key(from row: PostgresRow) throws -> VirtualKey {
        let (id, name, prefix, models, budget, rpm, tpm, createdAt, revokedAt) = try row.decode(
            (String, String, String, String?, String?, Int?, Int?, Date, Date?).self)
        return VirtualKey(
            id: id, name: name, prefix: prefix, models: KeySecrets.models(stored: models),
            budgetUSD: budget.flatMap(DecimalText.parse), rpm: rpm, tpm: tpm, createdAt: createdAt, revokedAt: revokedAt)
    }
}
