import Foundation
import GRDB

/// The ``RolloutStateStore`` on the gateway's SQLite file, beside the ledger and the key store.
public final class RolloutStore: RolloutStateStore {
    let database: DatabasePool

    /// A rollout decision as stored.
    public typealias Event = StoredRolloutEvent

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        database = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(database)
    }

    // MARK: Rollout state

    public func saveState(model: String, json: String, now: Date) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO rollout_state (model, state, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT(model) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                    """,
                arguments: [model, json, now.timeIntervalSince1970])
        }
    }

    public func stateJSON(model: String) async throws -> String? {
        try await database.read { db in
            try String.fetchOne(db, sql: "SELECT state FROM rollout_state WHERE model = ?", arguments: [model])
        }
    }

    public func deleteState(model: String) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM rollout_state WHERE model = ?", arguments: [model])
        }
    }

    // MARK: History

    @discardableResult
    public func append(event: Event) async throws -> Int64 {
        try await database.write { db in
            try db.execute(
                sql: "INSERT INTO rollout_events (model, time, kind, detail) VALUES (?, ?, ?, ?)",
                arguments: [event.model, event.time.timeIntervalSince1970, event.kind, event.detail])
            return db.lastInsertedRowID
        }
    }

    public func events(model: String, limit: Int) async throws -> [Event] {
        try await database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT id, model, time, kind, detail FROM rollout_events WHERE model = ? ORDER BY id DESC LIMIT ?",
                arguments: [model, max(0, limit)])
            return rows.reversed().map { row in
                var event = Event(
                    model: row["model"], time: Date(timeIntervalSince1970: row["time"]), kind: row["kind"], detail: row["detail"])
                event.id = row["id"]
                return event
            }
        }
    }

    // MARK: Shadow

    public func saveShadow(model: String, json: String, now: Date) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO shadow_summaries (model, summary, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT(model) DO UPDATE SET summary = excluded.summary, updated_at = excluded.updated_at
                    """,
                arguments: [model, json, now.timeIntervalSince1970])
        }
    }

    public func shadowJSON(model: String) async throws -> String? {
        try await database.read { db in
            try String.fetchOne(db, sql: "SELECT summary FROM shadow_summaries WHERE model = ?", arguments: [model])
        }
    }
}
