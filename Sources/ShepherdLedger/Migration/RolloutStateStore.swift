import Crypto
import Foundation

/// Where rollouts and shadow summaries outlive the process: each model's rollout state, its
/// history of decisions, its shadow summary, and every configuration the gateway ran.
/// Implementations: ``RolloutStore`` on the gateway's SQLite file, and the
/// ``PostgresLedgerStore`` itself, so that gateways sharing one database share their rollouts.
///
/// States and summaries are stored as the JSON of any `Codable` value (see the extension): the
/// ledger does not know the routing layer's types, and the caller decodes what it saved.
public protocol RolloutStateStore: Sendable {
    /// Replaces the model's state with `json`.
    func saveState(model: String, json: String, now: Date) async throws
    /// The JSON last saved for `model`, nil if none.
    func stateJSON(model: String) async throws -> String?
    /// Forgets a model's rollout state (its history stays).
    func deleteState(model: String) async throws

    @discardableResult
    func append(event: StoredRolloutEvent) async throws -> Int64
    /// The model's `limit` most recent events, oldest first.
    func events(model: String, limit: Int) async throws -> [StoredRolloutEvent]

    func saveShadow(model: String, json: String, now: Date) async throws
    func shadowJSON(model: String) async throws -> String?

    /// Records the YAML the gateway now runs and returns its version. The same text always
    /// gets the same version (it is only marked applied again), so restarts and rollbacks to
    /// an earlier text do not pile up copies.
    func recordConfigVersion(yaml: String, note: String?, now: Date) async throws -> Int
    /// Every version, oldest first.
    func configVersions() async throws -> [ConfigVersion]
    func configVersion(id: Int) async throws -> ConfigVersion?
    /// The version recorded most recently, nil before the first.
    func currentConfigVersion() async throws -> ConfigVersion?
}

extension RolloutStateStore {
    public func save(model: String, state: some Encodable, now: Date = Date()) async throws {
        try await saveState(model: model, json: try RolloutJSON.encode(state), now: now)
    }

    /// The state last saved for `model`, nil if none.
    public func load<State: Decodable>(model: String, as type: State.Type = State.self) async throws -> State? {
        try await stateJSON(model: model).map { try RolloutJSON.decode(type, from: $0) }
    }

    public func events(model: String) async throws -> [StoredRolloutEvent] {
        try await events(model: model, limit: 100)
    }

    public func saveShadow(model: String, summary: some Encodable, now: Date = Date()) async throws {
        try await saveShadow(model: model, json: try RolloutJSON.encode(summary), now: now)
    }

    public func loadShadow<Summary: Decodable>(model: String, as type: Summary.Type = Summary.self) async throws -> Summary? {
        try await shadowJSON(model: model).map { try RolloutJSON.decode(type, from: $0) }
    }

    public func recordConfigVersion(yaml: String, note: String? = nil) async throws -> Int {
        try await recordConfigVersion(yaml: yaml, note: note, now: Date())
    }
}

/// A rollout decision as stored; `detail` is the JSON of the event.
public struct StoredRolloutEvent: Sendable, Equatable {
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
        self.init(model: model, time: time, kind: kind, detail: try RolloutJSON.encode(value))
    }

    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try RolloutJSON.decode(type, from: detail)
    }
}

/// A configuration the gateway ran, for `shepherd config versions` and `config rollback`.
public struct ConfigVersion: Sendable, Equatable, Codable {
    public var id: Int
    public var createdAt: Date
    /// The last time this exact text was recorded: the latest one is the version in force.
    public var appliedAt: Date
    /// Hex SHA-256 of the YAML text.
    public var sha256: String
    public var yaml: String
    public var note: String?

    /// The digest a version is known by.
    static func digest(_ yaml: String) -> String {
        SHA256.hash(data: Data(yaml.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// Rollout states, summaries and event details as JSON text.
enum RolloutJSON {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        // Dates as seconds (the default) so that a state decodes to exactly what was saved.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

/// The rollout store of `storage: none`: remembers nothing.
public struct DisabledRolloutStore: RolloutStateStore {
    public init() {}
    public func saveState(model: String, json: String, now: Date) async throws {}
    public func stateJSON(model: String) async throws -> String? { nil }
    public func deleteState(model: String) async throws {}
    @discardableResult public func append(event: StoredRolloutEvent) async throws -> Int64 { 0 }
    public func events(model: String, limit: Int) async throws -> [StoredRolloutEvent] { [] }
    public func saveShadow(model: String, json: String, now: Date) async throws {}
    public func shadowJSON(model: String) async throws -> String? { nil }
    public func recordConfigVersion(yaml: String, note: String?, now: Date) async throws -> Int { 0 }
    public func configVersions() async throws -> [ConfigVersion] { [] }
    public func configVersion(id: Int) async throws -> ConfigVersion? { nil }
    public func currentConfigVersion() async throws -> ConfigVersion? { nil }
}
