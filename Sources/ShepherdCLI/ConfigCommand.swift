import ArgumentParser
import Foundation
import ShepherdCore
import ShepherdLedger

/// `shepherd config versions | rollback`: every configuration `serve` has run with is kept
/// in the store; rollback puts an earlier one back in place of the file, atomically.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "List the configurations the gateway has run with, or restore one.",
        subcommands: [Versions.self, Rollback.self])

    /// Runs `body` with the store the configuration's `storage:` names (SQLite or PostgreSQL).
    static func withStore<Result: Sendable>(
        _ options: ConfigOption, _ body: @Sendable (any RolloutStateStore) async throws -> Result
    ) async throws -> Result {
        let config = try ConfigLoader.load(path: options.config, requireSecrets: false)
        if case .disabled = config.storage {
            throw CommandFailure("storage: none keeps no configuration versions; configure sqlite:// or postgres:// storage")
        }
        return try await LedgerStores.withRolloutStore(for: config, body)
    }

    struct Versions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List recorded configuration versions, newest last.")
        @OptionGroup var options: ConfigOption
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let (versions, current) = try await ConfigCommand.withStore(options) { store in
                    (try await store.configVersions(), try await store.currentConfigVersion()?.id)
                }
                if format == .json {
                    for version in versions {
                        var writer = JSONWriter()
                        writer.beginObject()
                        writer.key("version"); writer.int(version.id)
                        writer.key("created_at"); writer.string(ISO8601DateFormatter().string(from: version.createdAt))
                        writer.key("applied_at"); writer.string(ISO8601DateFormatter().string(from: version.appliedAt))
                        writer.key("sha256"); writer.string(version.sha256)
                        writer.key("note"); if let note = version.note { writer.string(note) } else { writer.null() }
                        writer.key("current"); writer.bool(version.id == current)
                        writer.endObject()
                        print(writer.string)
                    }
                    return
                }
                if versions.isEmpty {
                    print("no versions recorded yet: `shepherd serve` records each configuration it starts with")
                    return
                }
                print("VERSION  APPLIED_AT            SHA256        NOTE")
                for version in versions {
                    let marker = version.id == current ? " (current)" : ""
                    print("\(String(version.id).padding(toLength: 7, withPad: " ", startingAt: 0))  \(ISO8601DateFormatter().string(from: version.appliedAt))  \(version.sha256.prefix(12))  \(version.note ?? "")\(marker)")
                }
            }
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put an earlier configuration back in place of the file (default: the one before the current).",
            discussion: "The file is replaced atomically; restart the gateway (or let your supervisor do it) to apply it.")
        @OptionGroup var options: ConfigOption
        @Option(help: "The version to restore.") var to: Int?

        func run() async throws {
            try await reportingFailures {
                let path = options.config
                let to = self.to
                let target = try await ConfigCommand.withStore(options) { store in
                    let versions = try await store.configVersions()
                    let current = try await store.currentConfigVersion()
                    let target: ConfigVersion
                    if let to {
                        guard let chosen = versions.first(where: { $0.id == to }) else {
                            throw CommandFailure("no configuration version \(to); `shepherd config versions` lists them")
                        }
                        target = chosen
                    } else {
                        let earlier = versions.filter { $0.id != current?.id }.sorted { $0.appliedAt < $1.appliedAt }
                        guard let previous = earlier.last else {
                            throw CommandFailure("there is no earlier configuration version to go back to")
                        }
                        target = previous
                    }
                    // The restored text must itself be a valid configuration.
                    _ = try ConfigLoader.parse(
                        target.yaml, file: path, environment: ProcessInfo.processInfo.environment, requireSecrets: false)
                    let now = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                    _ = try await store.recordConfigVersion(yaml: now, note: "saved before rollback to \(target.id)")
                    let temporary = path + ".shepherd-rollback"
                    try target.yaml.write(toFile: temporary, atomically: false, encoding: .utf8)
                    guard rename(temporary, path) == 0 else {
                        throw CommandFailure("cannot replace \(path): \(String(cString: strerror(errno)))")
                    }
                    _ = try await store.recordConfigVersion(yaml: target.yaml, note: "rolled back to \(target.id)")
                    return target
                }
                print("restored configuration version \(target.id) into \(options.config); restart the gateway to apply it")
            }
        }
    }
}
