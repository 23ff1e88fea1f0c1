import ArgumentParser
import Foundation
import ShepherdCore
import ShepherdLedger

struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Show requests, tokens and cost from the ledger, with totals.",
        discussion: """
            Costs are exact USD. "model" is the public model clients asked for; days are UTC.
            Examples:
              shepherd usage --since 7d
              shepherd usage --since 24h --group-by model,provider --format csv
              shepherd usage --since 2025-06-01 --group-by key,day --format json --config shepherd.yaml
            """)

    @OptionGroup var options: ConfigOption
    @Option(help: "Only requests since a span back from now (30m, 24h, 7d, 2w) or a date (2025-06-01). Default: all.")
    var since: String?
    @Option(name: .customLong("group-by"), help: "Comma-separated: model, provider, key, day. Default: model.")
    var groupBy: String = "model"
    @Option(help: "table, json or csv.") var format: OutputFormat = .table

    func validate() throws {
        if let since, UsageWindow.since(since) == nil { throw ValidationError(UsageWindow.explain(since)) }
        _ = try groupings()
    }

    func groupings() throws -> [UsageGrouping] {
        var seen: [UsageGrouping] = []
        for name in groupBy.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() })
        where !name.isEmpty {
            guard let grouping = UsageGrouping(rawValue: name) else {
                throw ValidationError("--group-by takes model, provider, key and day; got '\(name)'")
            }
            if !seen.contains(grouping) { seen.append(grouping) }
        }
        return seen
    }

    func run() async throws {
        try await reportingFailures {
            let start = since.flatMap { UsageWindow.since($0) }
            let grouping = try groupings()
            let config = try ConfigLoader.load(path: options.config, requireSecrets: false)
            let report = try await LedgerStores.withStore(for: config) { store in
                try await UsageReport.load(from: store, since: start, groupBy: grouping)
            }
            switch format {
            case .table: print(report.table())
            case .json: print(report.json())
            case .csv: print(report.csv())
            }
        }
    }
}
