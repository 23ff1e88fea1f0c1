import Foundation
import GRDB
import Testing

@testable import ShepherdLedger

/// The store knows nothing of the routing layer's types; any Codable value stands in.
struct SampleState: Codable, Equatable {
    var step: Int
    var stepStartedAt: Date
    var cost: Decimal
    var history: [String]
}

@Suite("Rollout store (SQLite)")
struct RolloutStoreTests {
    @Test("state round trips exactly and is replaced on save")
    func stateRoundTrip() async throws {
        try await withTemporaryDatabase { path in
            // A second store on the same file, as a restarted gateway would open it.
            try await checkRolloutState(try RolloutStore(path: path), reopened: try RolloutStore(path: path), model: "chat")
        }
    }

    @Test("events come back per model, the most recent `limit`, oldest first")
    func events() async throws {
        try await withTemporaryDatabase { path in
            try await checkRolloutEvents(try RolloutStore(path: path), model: "chat")
        }
    }

    @Test("shadow summaries round trip")
    func shadow() async throws {
        try await withTemporaryDatabase { path in
            try await checkShadowSummaries(try RolloutStore(path: path), model: "chat")
        }
    }

    @Test("config versions: the same text keeps its version; the latest recorded is current")
    func configVersions() async throws {
        try await withTemporaryDatabase { path in
            let store = try RolloutStore(path: path)
            #expect(try await store.currentConfigVersion() == nil)
            let day = Date(timeIntervalSince1970: 1_800_000_000)
            let first = try await store.recordConfigVersion(yaml: "models: {a: 1}\n", note: "initial", now: day)
            let second = try await store.recordConfigVersion(yaml: "models: {a: 2}\n", note: nil, now: day.addingTimeInterval(60))
            let again = try await store.recordConfigVersion(yaml: "models: {a: 1}\n", note: "rollback", now: day.addingTimeInterval(120))
            #expect(first == 1 && second == 2 && again == first)
            let versions = try await store.configVersions()
            #expect(versions.map(\.id) == [1, 2])
            #expect(versions[0].note == "initial" && versions[1].note == nil)
            #expect(versions[0].sha256 == "a1dbc675e9489abd9289d4583736e3fdb6a01bd42441a149cd7eb88ce66f902d")
            #expect(versions[0].yaml == "models: {a: 1}\n")
            #expect(versions[0].createdAt == day && versions[0].appliedAt == day.addingTimeInterval(120))
            #expect(try await store.currentConfigVersion()?.id == first)
            #expect(try await store.configVersion(id: 2)?.yaml == "models: {a: 2}\n")
            #expect(try await store.configVersion(id: 9) == nil)
        }
    }

    @Test("shares the gateway's database file with the key store and the ledger")
    func sharedFile() async throws {
        try await withTemporaryDatabase { path in
            let keys = try SQLiteKeyStore(path: path)
            let ledger = try SQLiteLedgerStore(path: path)
            let store = try RolloutStore(path: path)
            _ = try await keys.create(name: "n", models: nil, budgetUSD: nil, rpm: nil, tpm: nil)
            try await ledger.append([record("r1")])
            try await store.save(model: "chat", state: ["step": 1])
            // Opening them again in another order migrates nothing twice.
            _ = try RolloutStore(path: path)
            _ = try SQLiteLedgerStore(path: path)
            _ = try SQLiteKeyStore(path: path)
            let queue = try DatabaseQueue(path: path)
            let migrations = try await queue.read { db in
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
            }
            #expect(migrations.contains("rollout_v1") && migrations.contains("v1_virtual_keys"))
            #expect(try await store.load(model: "chat", as: [String: Int].self) == ["step": 1])
            #expect(try await keys.list().count == 1)
        }
    }
}

// Checks shared by the SQLite and the PostgreSQL rollout stores.

/// Save, load, replace and delete a model's state; `reopened` plays a restarted gateway.
func checkRolloutState(_ store: any RolloutStateStore, reopened: any RolloutStateStore, model: String) async throws {
    #expect(try await store.load(model: model, as: SampleState.self) == nil)
    let state = SampleState(
        step: 2, stepStartedAt: Date(timeIntervalSinceReferenceDate: 812_345_678.123_456_7), cost: decimal("0.000123"),
        history: ["started", "promoted"])
    try await store.save(model: model, state: state)
    #expect(try await store.load(model: model, as: SampleState.self) == state)
    var next = state
    next.step = 3
    try await store.save(model: model, state: next)
    #expect(try await reopened.load(model: model, as: SampleState.self) == next)
    #expect(try await reopened.load(model: model + "-other", as: SampleState.self) == nil)
    try await reopened.deleteState(model: model)
    #expect(try await reopened.load(model: model, as: SampleState.self) == nil)
}

func checkRolloutEvents(_ store: any RolloutStateStore, model: String) async throws {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    for index in 0..<5 {
        let event = try StoredRolloutEvent(
            model: model, time: start.addingTimeInterval(Double(index) + 0.25), kind: index == 4 ? "rolled_back" : "promoted",
            encoding: ["step": index])
        try await store.append(event: event)
    }
    let other = model + "-other"
    try await store.append(event: StoredRolloutEvent(model: other, time: start, kind: "started", detail: "{}"))
    let recent = try await store.events(model: model, limit: 3)
    #expect(recent.map(\.kind) == ["promoted", "promoted", "rolled_back"])
    #expect(try recent.map { try $0.decode([String: Int].self)["step"] } == [2, 3, 4])
    #expect(recent.last?.time == start.addingTimeInterval(4.25))
    #expect(recent.map { $0.id != nil } == [true, true, true])
    #expect(try await store.events(model: other).count == 1)
    #expect(try await store.events(model: model + "-none").isEmpty)
}

func checkShadowSummaries(_ store: any RolloutStateStore, model: String) async throws {
    #expect(try await store.loadShadow(model: model, as: [String: Double].self) == nil)
    try await store.saveShadow(model: model, summary: ["similarity": 0.75])
    try await store.saveShadow(model: model, summary: ["similarity": 0.8])
    #expect(try await store.loadShadow(model: model, as: [String: Double].self) == ["similarity": 0.8])
}
