import Crypto
import Foundation
import GRDB
import ShepherdCore

/// A virtual key as stored: never the key itself, only its SHA-256 and a display prefix.
public struct VirtualKey: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    /// The first characters of the key, for people to recognise it (`sk-shep-AbCd…`).
    public var prefix: String
    public var models: [String]?
    public var budgetUSD: Decimal?
    public var rpm: Int?
    public var tpm: Int?
    public var createdAt: Date
    public var revokedAt: Date?

    public var isActive: Bool { revokedAt == nil }

    public func allows(model: String) -> Bool {
        guard let models, !models.isEmpty else { return true }
        return models.contains(model)
    }
}

/// What `keys create` returns: the only moment the key exists in clear.
public struct CreatedKey: Sendable {
    public var key: VirtualKey
    public var secret: String
}

/// Virtual keys in SQLite (WAL). Keys are looked up by the hash of what the client sent
/// and the stored hash is compared in constant time.
public final class KeyStore: Sendable {
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

    public func create(name: String, models: [String]?, budgetUSD: Decimal?, rpm: Int?, tpm: Int?, now: Date = Date()) throws -> CreatedKey {
        let secret = "sk-shep-" + Self.randomToken(length: 40)
        let key = VirtualKey(
            id: "key_" + Self.randomToken(length: 12), name: name, prefix: String(secret.prefix(12)),
            models: models, budgetUSD: budgetUSD, rpm: rpm, tpm: tpm, createdAt: now, revokedAt: nil)
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO virtual_keys (id, name, prefix, key_hash, models, budget_usd, rpm, tpm, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key.id, key.name, key.prefix, Self.hash(secret), models.map { $0.joined(separator: ",") },
                    budgetUSD.map { "\($0)" }, rpm, tpm, now.timeIntervalSince1970,
                ])
        }
        return CreatedKey(key: key, secret: secret)
    }

    public func list() throws -> [VirtualKey] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM virtual_keys ORDER BY created_at, id").map(Self.key(from:))
        }
    }

    /// Revokes by id; returns false when there is no such key.
    public func revoke(id: String, now: Date = Date()) throws -> Bool {
        try database.write { db in
            try db.execute(
                sql: "UPDATE virtual_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [now.timeIntervalSince1970, id])
            if db.changesCount > 0 { return true }
            return (try Bool.fetchOne(db, sql: "SELECT 1 FROM virtual_keys WHERE id = ?", arguments: [id]) ?? false)
        }
    }

    /// The active key whose secret this is, or nil.
    public func authenticate(secret: String) throws -> VirtualKey? {
        let presented = Self.hash(secret)
        return try database.read { db -> VirtualKey? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM virtual_keys WHERE key_hash = ?", arguments: [presented]) else {
                return nil
            }
            let stored: String = row["key_hash"]
            guard Self.constantTimeEqual(Array(stored.utf8), Array(presented.utf8)) else { return nil }
            let key = try Self.key(from: row)
            return key.isActive ? key : nil
        }
    }

    /// Whether the database answers; for readiness.
    public func ping() -> Bool {
        (try? database.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    static func key(from row: Row) throws -> VirtualKey {
        let models: String? = row["models"]
        let budget: String? = row["budget_usd"]
        let revoked: Double? = row["revoked_at"]
        return VirtualKey(
            id: row["id"], name: row["name"], prefix: row["prefix"],
            models: models.map { $0.split(separator: ",").map(String.init) },
            budgetUSD: budget.flatMap { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) },
            rpm: row["rpm"], tpm: row["tpm"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            revokedAt: revoked.map(Date.init(timeIntervalSince1970:)))
    }

    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares secrets without returning early, so the time taken says nothing about where
    /// they differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    static func randomToken(length: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}

extension GatewayConfig {
    /// The SQLite file, resolved against the config file's folder (SPEC §2).
    public func sqlitePath() throws(GatewayError) -> String {
        switch storage {
        case .sqlite(let path):
            if path.hasPrefix("/") || path == ":memory:" { return path }
            let folder = sourceFile.map { URL(fileURLWithPath: $0).deletingLastPathComponent() }
                ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            return folder.appendingPathComponent(path).path
        case .postgres:
            throw GatewayError(.internalError, "storage: postgres:// is not supported by this build yet; use sqlite://FILE")
        }
    }
}
