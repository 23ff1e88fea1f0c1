import Foundation
import ShepherdCore

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
            throw GatewayError(.internalError, "this needs sqlite:// storage; the configuration names a postgres:// database")
        case .disabled:
            throw GatewayError(.internalError, "this needs sqlite:// storage; the configuration says storage: none")
        }
    }

    /// How long a budget reservation outlives its request at most: twice the longest request
    /// deadline of any model (its `retry.deadline_s`, else twice the longest provider timeout,
    /// as the router computes it), and never less than ``BudgetReservation/defaultLifetime``.
    public var reservationLifetime: TimeInterval {
        let longestTimeout = providers.map(\.timeoutSeconds).max() ?? 120
        let longestDeadline = models.map { $0.retry.deadlineSeconds ?? longestTimeout * 2 }.max() ?? longestTimeout * 2
        return max(BudgetReservation.defaultLifetime, longestDeadline * 2)
    }
}
