import Foundation
import Logging
import ShepherdCore

/// Opens the ledger a configuration's `storage:` names.
public enum LedgerStores {
    /// The store for `storage:`. A ``PostgresLedgerStore`` must also be run (it is a `Service`);
    /// ``withStore(for:logger:_:)`` does that for short-lived users such as the CLI.
    public static func open(for config: GatewayConfig, logger: Logger = Logger(label: "shepherd.ledger")) throws -> any LedgerStore {
        switch config.storage {
        case .sqlite:
            return try SQLiteLedgerStore(path: try config.sqlitePath())
        case .postgres(let url):
            return try PostgresLedgerStore(url: url, logger: logger)
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
