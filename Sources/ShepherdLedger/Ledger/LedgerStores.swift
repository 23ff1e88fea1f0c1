import Foundation
import Logging
import ShepherdCore

/// Opens the ledger a configuration's `storage:` names.
public enum LedgerStores {
    /// The store for `storage:`. A ``PostgresLedgerStore`` must also be run (it is a `Service`);
    /// ``withStore(for:logger:_:)`` does that for short-lived users such as the CLI.
    public static func open(for config: GatewayConfig, logger: Logger = Logger(label: "shepherd.ledger")) throws -> any LedgerStore {
        // Budget reservations outlive any request this configuration can run (see reservationLifetime).
        let clock = ReservationClock(lifetime: config.reservationLifetime)
        switch config.storage {
        case .sqlite:
            return try SQLiteLedgerStore(path: try config.sqlitePath(), clock: clock, logger: logger)
        case .postgres(let url):
            return try PostgresLedgerStore(url: url, logger: logger, clock: clock)
        case .disabled:
            return DisabledLedgerStore()
        }
    }

    /// The key store for `storage:`. With PostgreSQL the keys live in the ledger's database,
    /// through the same store (pass it as `ledger` to share its connection pool).
    public static func openKeys(
        for config: GatewayConfig, sharing ledger: (any LedgerStore)? = nil, logger: Logger = Logger(label: "shepherd.ledger")
    ) throws -> any KeyStore {
        switch config.storage {
        case .sqlite:
            return try SQLiteKeyStore(path: try config.sqlitePath())
        case .postgres(let url):
            if let postgres = ledger as? PostgresLedgerStore { return postgres }
            return try PostgresLedgerStore(url: url, logger: logger)
        case .disabled:
            return DisabledKeyStore()
        }
    }

    /// Runs `body` with the configured key store, keeping a PostgreSQL client running meanwhile.
    public static func withKeyStore<Result: Sendable>(
        for config: GatewayConfig, logger: Logger = Logger(label: "shepherd.ledger"),
        _ body: @Sendable (any KeyStore) async throws -> Result
    ) async throws -> Result {
        switch config.storage {
        case .sqlite:
            return try await body(try SQLiteKeyStore(path: try config.sqlitePath()))
        case .postgres:
            return try await withStore(for: config, logger: logger) { store in
                // With PostgreSQL the ledger store is the key store (see openKeys).
                try await body(store as! PostgresLedgerStore)
            }
        case .disabled:
            return try await body(DisabledKeyStore())
        }
    }

    /// The rollout store for `storage:`: beside the ledger in SQLite, or, with PostgreSQL, the
    /// ledger's store itself (pass it as `ledger` to share its connection pool), so that the
    /// rollout survives a restart and is the same for every gateway on the database.
    public static func openRollouts(
        for config: GatewayConfig, sharing ledger: (any LedgerStore)? = nil, logger: Logger = Logger(label: "shepherd.ledger")
    ) throws -> any RolloutStateStore {
        switch config.storage {
        case .sqlite:
            return try RolloutStore(path: try config.sqlitePath())
        case .postgres(let url):
            if let postgres = ledger as? PostgresLedgerStore { return postgres }
            return try PostgresLedgerStore(url: url, logger: logger)
        case .disabled:
            return DisabledRolloutStore()
        }
    }

    /// Runs `body` with the configured rollout store, keeping a PostgreSQL client running meanwhile.
    public static func withRolloutStore<Result: Sendable>(
        for config: GatewayConfig, logger: Logger = Logger(label: "shepherd.ledger"),
        _ body: @Sendable (any RolloutStateStore) async throws -> Result
    ) async throws -> Result {
        switch config.storage {
        case .sqlite:
            return try await body(try RolloutStore(path: try config.sqlitePath()))
        case .postgres:
            return try await withStore(for: config, logger: logger) { store in
                // With PostgreSQL the ledger store is the rollout store (see openRollouts).
                try await body(store as! PostgresLedgerStore)
            }
        case .disabled:
            return try await body(DisabledRolloutStore())
        }
    }

    /// Runs `body` with the configured store, keeping a PostgreSQL client running meanwhile.
    public static func withStore<Result: Sendable>(
        for config: GatewayConfig, logger: Logger = Logger(label: "shepherd.ledger"),
        _ body: @Sendable (any LedgerStore) async throws -> Result
    ) async throws -> Result {
        let store = try open(for: config, logger: logger)
        guard let postgres = store as? PostgresLedgerStore else { return try await body(store) }
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { try await postgres.run() }
            defer { group.cancelAll() }
            return try await body(postgres)
        }
    }
}
