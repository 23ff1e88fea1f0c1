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
    /// deadline of any model (``requestDeadline(for:)``, the router's own), and never less
    /// than ``BudgetReservation/defaultLifetime``.
    public var reservationLifetime: TimeInterval {
        let longestDeadline = models.map { requestDeadline(for: $0) }.max() ?? .seconds(240)
        let (seconds, attoseconds) = longestDeadline.components
        return max(BudgetReservation.defaultLifetime, (Double(seconds) + Double(attoseconds) / 1e18) * 2)
    }
}
