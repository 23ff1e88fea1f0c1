import Foundation
import GRDB

/// Where rollouts and shadow summaries outlive the process: each model's rollout state,
/// its history of decisions, its shadow summary, and every configuration the gateway ran.
/// Works on the gateway's SQLite file beside the ledger and the key store.
///
/// States and summaries are stored as the JSON of any `Codable` value: the ledger does not
/// know the routing layer's types, and the caller decodes what it saved.
public final class RolloutStore: Sendable {
    let database: DatabasePool

    /// A rollout decision as stored; `detail` is the JSON of the event.
    public struct Event: Sendable, Equatable {
        public var id: Int64?
        public var model: String
        public var time: Date
        public var kind: String
        public var detail: String

        public init(model: String, time: Date, kind: String, detail: String) {
            self.model = model
            self.time = time
            self.kind = kind
            self.detail = detail
        }

        /// An event whose detail is `value` as JSON.
        public init(model: String, time: Date, kind: String, encoding value: some Encodable) throws {
            self.init(model: model, time: time, kind: kind, detail: try RolloutStore.json(value))
        }

        public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
            try RolloutStore.decode(type, from: detail)
        }
    }

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

    public func save(model: String, state: some Encodable, now: Date = Date()) async throws {
        let text = try Self.json(state)
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO rollout_state (model, state, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT(model) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                    """,
                arguments: [model, text, now.timeIntervalSince1970])
        }
    }

    /// The state last saved for `model`, nil if none.
    public func load<State: Decodable>(model: String, as type: State.Type = State.self) async throws -> State? {
        let text = try await database.read { db in
            try String.fetchOne(db, sql: "SELECT state FROM rollout_state WHERE model = ?", arguments: [model])
        }
        return try text.map { try Self.decode(type, from: $0) }
    }

    /// Forgets a model's rollout state (its history stays).
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

    /// The model's `limit` most recent events, oldest first.
    public func events(model: String, limit: Int = 100) async throws -> [Event] {
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

    public func saveShadow(model: String, summary: some Encodable, now: Date = Date()) async throws {
        let text = try Self.json(summary)
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO shadow_summaries (model, summary, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT(model) DO UPDATE SET summary = excluded.summary, updated_at = excluded.updated_at
                    """,
                arguments: [model, text, now.timeIntervalSince1970])
        }
    }

    public func loadShadow<Summary: Decodable>(model: String, as type: Summary.Type = Summary.self) async throws -> Summary? {
        let text = try await database.read { db in
            try String.fetchOne(db, sql: "SELECT summary FROM shadow_summaries WHERE model = ?", arguments: [model])
        }
        return try text.map { try Self.decode(type, from: $0) }
    }

    // MARK: JSON

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        // Dates as seconds (the default) so that a state decodes to exactly what was saved.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
