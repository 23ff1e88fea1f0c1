import Foundation
import GRDB

extension RolloutStore {
    public func recordConfigVersion(yaml: String, note: String?, now: Date) async throws -> Int {
        let digest = ConfigVersion.digest(yaml)
        let time = now.timeIntervalSince1970
        return try await database.writeWithoutTransaction { db in
            var id = 0
            // IMMEDIATE: two gateways recording the same text at once still agree on one id.
            try db.inTransaction(.immediate) {
                if let existing = try Int.fetchOne(db, sql: "SELECT id FROM config_versions WHERE sha256 = ?", arguments: [digest]) {
                    try db.execute(sql: "UPDATE config_versions SET applied_at = ? WHERE id = ?", arguments: [time, existing])
                    id = existing
                } else {
                    try db.execute(
                        sql: "INSERT INTO config_versions (created_at, applied_at, sha256, yaml, note) VALUES (?, ?, ?, ?, ?)",
                        arguments: [time, time, digest, yaml, note])
                    id = Int(db.lastInsertedRowID)
                }
                return .commit
            }
            return id
        }
    }

    public func configVersions() async throws -> [ConfigVersion] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM config_versions ORDER BY id").map(Self.configVersion)
        }
    }

    public func configVersion(id: Int) async throws -> ConfigVersion? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM config_versions WHERE id = ?", arguments: [id]).map(Self.configVersion)
        }
    }

    public func currentConfigVersion() async throws -> ConfigVersion? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM config_versions ORDER BY applied_at DESC, id DESC LIMIT 1")
                .map(Self.configVersion)
        }
    }

    private static func configVersion(_ row: Row) -> ConfigVersion {
        ConfigVersion(
            id: row["id"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            appliedAt: Date(timeIntervalSince1970: row["applied_at"]), sha256: row["sha256"], yaml: row["yaml"],
            note: row["note"])
    }
}
