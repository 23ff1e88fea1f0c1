import Foundation
import PostgresNIO

/// Rollout state, history, shadow summaries and config versions in the shared database, so
/// that a restarted gateway, or any other gateway on the database, resumes the same rollout.
/// Times are stored as seconds (DOUBLE PRECISION), as in SQLite, so they come back exactly.
extension PostgresLedgerStore: RolloutStateStore {
    public func saveState(model: String, json: String, now: Date) async throws {
        try await migrate()
        try await client.query(
            """
            INSERT INTO rollout_state (model, state, updated_at) VALUES (\(model), \(json), \(now.timeIntervalSince1970))
            ON CONFLICT (model) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
            """, logger: logger)
    }

    public func stateJSON(model: String) async throws -> String? {
        try await migrate()
        return try await firstText(client.query("SELECT state FROM rollout_state WHERE model = \(model)", logger: logger))
    }

    public func deleteState(model: String) async throws {
        try await migrate()
        try await client.query("DELETE FROM rollout_state WHERE model = \(model)", logger: logger)
    }

    @discardableResult
    public func append(event: StoredRolloutEvent) async throws -> Int64 {
        try await migrate()
        let rows = try await client.query(
            """
            INSERT INTO rollout_events (model, time, kind, detail)
            VALUES (\(event.model), \(event.time.timeIntervalSince1970), \(event.kind), \(event.detail)) RETURNING id
            """, logger: logger)
        for try await id in rows.decode(Int64.self) { return id }
        throw PostgresStoreError("the rollout event was not stored")
    }

    public func events(model: String, limit: Int) async throws -> [StoredRolloutEvent] {
        try await migrate()
        let rows = try await client.query(
            """
            SELECT id, model, time, kind, detail FROM rollout_events WHERE model = \(model)
            ORDER BY id DESC LIMIT \(max(0, limit))
            """, logger: logger)
        var events: [StoredRolloutEvent] = []
        for try await (id, model, time, kind, detail) in rows.decode((Int64, String, Double, String, String).self) {
            var event = StoredRolloutEvent(model: model, time: Date(timeIntervalSince1970: time), kind: kind, detail: detail)
            event.id = id
            events.append(event)
        }
        return events.reversed()
    }

    public func saveShadow(model: String, json: String, now: Date) async throws {
        try await migrate()
        try await client.query(
            """
            INSERT INTO shadow_summaries (model, summary, updated_at) VALUES (\(model), \(json), \(now.timeIntervalSince1970))
            ON CONFLICT (model) DO UPDATE SET summary = EXCLUDED.summary, updated_at = EXCLUDED.updated_at
            """, logger: logger)
    }

    public func shadowJSON(model: String) async throws -> String? {
        try await migrate()
        return try await firstText(client.query("SELECT summary FROM shadow_summaries WHERE model = \(model)", logger: logger))
    }

    // MARK: Config versions

    /// An arbitrary constant: the advisory lock that numbers config versions one at a time.
    static let configVersionLock: Int64 = 0x5348_4550_434F_4E46

    public func recordConfigVersion(yaml: String, note: String?, now: Date) async throws -> Int {
        try await migrate()
        let digest = ConfigVersion.digest(yaml)
        let time = now.timeIntervalSince1970
        return try await client.withTransaction(logger: logger) { [logger] connection in
            // Under the lock, versions are numbered 1, 2, 3… with no gaps, and two gateways
            // recording the same text at once agree on one id.
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(Self.configVersionLock))", logger: logger)
            let updated = try await connection.query(
                "UPDATE config_versions SET applied_at = \(time) WHERE sha256 = \(digest) RETURNING id", logger: logger)
            for try await id in updated.decode(Int64.self) { return Int(id) }
            let inserted = try await connection.query(
                """
                INSERT INTO config_versions (id, created_at, applied_at, sha256, yaml, note)
                SELECT COALESCE(max(id), 0) + 1, \(time), \(time), \(digest), \(yaml), \(note) FROM config_versions
                RETURNING id
                """, logger: logger)
            for try await id in inserted.decode(Int64.self) { return Int(id) }
            throw PostgresStoreError("the config version was not stored")
        }
    }

    public func configVersions() async throws -> [ConfigVersion] {
        try await migrate()
        return try await configVersions(client.query("\(unescaped: Self.versionColumns) ORDER BY id", logger: logger))
    }

    public func configVersion(id: Int) async throws -> ConfigVersion? {
        try await migrate()
        return try await configVersions(client.query("\(unescaped: Self.versionColumns) WHERE id = \(id)", logger: logger)).first
    }

    public func currentConfigVersion() async throws -> ConfigVersion? {
        try await migrate()
        return try await configVersions(
            client.query("\(unescaped: Self.versionColumns) ORDER BY applied_at DESC, id DESC LIMIT 1", logger: logger)
        ).first
    }

    static let versionColumns = "SELECT id, created_at, applied_at, sha256, yaml, note FROM config_versions"

    private func configVersions(_ rows: PostgresRowSequence) async throws -> [ConfigVersion] {
        var versions: [ConfigVersion] = []
        for try await (id, createdAt, appliedAt, sha256, yaml, note) in rows.decode((Int64, Double, Double, String, String, String?).self) {
            versions.append(
                ConfigVersion(
                    id: Int(id), createdAt: Date(timeIntervalSince1970: createdAt), appliedAt: Date(timeIntervalSince1970: appliedAt),
                    sha256: sha256, yaml: yaml, note: note))
        }
        return versions
    }

    private func firstText(_ rows: PostgresRowSequence) async throws -> String? {
        for try await text in rows.decode(String.self) { return text }
        return nil
    }
}

/// A statement that should have returned a row returned none.
struct PostgresStoreError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
