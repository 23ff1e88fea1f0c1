import ArgumentParser
import Foundation
import ShepherdCore
import ShepherdLedger

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke the virtual keys clients use.",
        subcommands: [Create.self, List.self, Revoke.self])

    /// Runs `body` with the configured key store (SQLite, or the shared PostgreSQL database).
    static func withStore<Result: Sendable>(_ options: ConfigOption, _ body: @Sendable (any KeyStore) async throws -> Result) async throws -> Result {
        let config = try ConfigLoader.load(path: options.config, requireSecrets: false)
        return try await LedgerStores.withKeyStore(for: config, body)
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key. It is printed once and stored only as a hash.",
            discussion: """
                Examples:
                  shepherd keys create --name backend
                  shepherd keys create --name mobile --models chat,chat-long --budget-usd 50 --rpm 600 --format json
                """)

        @OptionGroup var options: ConfigOption
        @Option(help: "A name for people.") var name: String
        @Option(help: "Comma-separated public models the key may use (default: all).") var models: String?
        @Option(name: .customLong("budget-usd"), help: "Spending cap in USD.") var budgetUSD: String?
        @Option(help: "Requests per minute.") var rpm: Int?
        @Option(help: "Tokens per minute.") var tpm: Int?
        @Option(help: "table or json.") var format: OutputFormat = .table

        func validate() throws {
            if name.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--name must not be empty") }
            if let budgetUSD, Decimal(string: budgetUSD).map({ $0 < 0 }) ?? true {
                throw ValidationError("--budget-usd must be a non-negative number, got '\(budgetUSD)'")
            }
            if let rpm, rpm < 1 { throw ValidationError("--rpm must be at least 1") }
            if let tpm, tpm < 1 { throw ValidationError("--tpm must be at least 1") }
        }

        func run() async throws {
            try await reportingFailures {
                let modelList = models?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                let (name, budget, rpm, tpm) = (name, budgetUSD.flatMap { Decimal(string: $0) }, rpm, tpm)
                let created = try await KeysCommand.withStore(options) { store in
                    try await store.create(name: name, models: modelList, budgetUSD: budget, rpm: rpm, tpm: tpm)
                }
                switch format {
                case .json:
                    var writer = JSONWriter()
                    writer.beginObject()
                    writer.key("id"); writer.string(created.key.id)
                    writer.key("key"); writer.string(created.secret)
                    writer.endObject()
                    print(writer.string)
                case .table, .csv:
                    print("id:  \(created.key.id)")
                    print("key: \(created.secret)")
                    print("This key is shown only now; Shepherd stores its hash.")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (masked).")
        @OptionGroup var options: ConfigOption
        @Option(help: "table, json or csv.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let keys = try await KeysCommand.withStore(options) { try await $0.list() }
                switch format {
                case .json:
                    for key in keys {
                        var writer = JSONWriter()
                        writer.beginObject()
                        writer.key("id"); writer.string(key.id)
                        writer.key("name"); writer.string(key.name)
                        writer.key("prefix"); writer.string(key.prefix + "…")
                        writer.key("models"); if let models = key.models { writer.string(models.joined(separator: ",")) } else { writer.null() }
                        writer.key("revoked"); writer.bool(!key.isActive)
                        writer.endObject()
                        print(writer.string)
                    }
                case .csv:
                    print("id,name,prefix,models,budget_usd,rpm,tpm,status")
                    for key in keys { print(KeysTable.row(key).map(KeysTable.csvField).joined(separator: ",")) }
                case .table:
                    print(KeysTable.render(keys))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id; it stops working within seconds.")
        @OptionGroup var options: ConfigOption
        @Argument(help: "The key's id (key_…).") var id: String

        func run() async throws {
            try await reportingFailures {
                let id = self.id
                guard try await KeysCommand.withStore(options, { try await $0.revoke(id: id) }) else {
                    throw CommandFailure("no key with id '\(id)'")
                }
                print("revoked \(id)")
            }
        }
    }
}

enum KeysTable {
    static let headers = ["ID", "NAME", "KEY", "MODELS", "BUDGET_USD", "RPM", "TPM", "STATUS"]

    static func row(_ key: VirtualKey) -> [String] {
        [
            key.id, key.name, key.prefix + "…", key.models?.joined(separator: ",") ?? "all",
            key.budgetUSD.map { "\($0)" } ?? "-", key.rpm.map(String.init) ?? "-", key.tpm.map(String.init) ?? "-",
            key.isActive ? "active" : "revoked",
        ]
    }

    static func render(_ keys: [VirtualKey]) -> String {
        let rows = [headers] + keys.map(row)
        let widths = headers.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func csvField(_ value: String) -> String {
        value.contains(",") || value.contains("\"") ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }
}
