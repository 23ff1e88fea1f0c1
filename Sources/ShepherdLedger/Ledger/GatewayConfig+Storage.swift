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
}
