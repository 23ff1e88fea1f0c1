import ArgumentParser
import Foundation
import ShepherdCore
import ShepherdLedger

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a month of traffic across models: monthly and annual cost and savings.",
        discussion: """
            Token counts are per month and take K, M or B suffixes. Input tokens include the cached \
            ones; --cached-input-tokens says how many of them were cache hits. The first model is \
            the baseline for savings. Models are PROVIDER/MODEL or a catalog name.
            Examples:
              shepherd compare --input-tokens 500M --output-tokens 150M --models gpt-4o,gemini-2.5-flash
              shepherd compare --input-tokens 2B --cached-input-tokens 1.2B --output-tokens 300M --models gpt-4.1,o3 --format csv
              shepherd compare --from-log usage.jsonl.gz --models openai/gpt-4o,openai/gpt-4o-mini
            """)

    @Option(name: .customLong("input-tokens"), help: "Input tokens per month, cached ones included (500M).")
    var inputTokens: String?
    @Option(name: .customLong("output-tokens"), help: "Output tokens per month (150M).")
    var outputTokens: String?
    @Option(name: .customLong("cached-input-tokens"), help: "How many of the input tokens were cache hits.")
    var cachedInputTokens: String?
    @Option(name: .customLong("from-log"), help: "Take the monthly profile from JSON Lines logs instead; repeatable.")
    var fromLog: [String] = []
    @Option(help: "Comma-separated models; the first is the baseline.") var models: String
    @Option(help: "A YAML file with a `pricing:` section laid over the catalog.") var pricing: String?
    @Option(help: "The configuration file, for its `pricing:` (default: ./shepherd.yaml when it exists).")
    var config: String?
    @Option(help: "table, json or csv.") var format: OutputFormat = .table

    func validate() throws {
        if modelNames.isEmpty { throw ValidationError("--models needs at least one model") }
        if fromLog.isEmpty {
            let output = try count(outputTokens, "--output-tokens")
            guard let input = try count(inputTokens, "--input-tokens"), output != nil else {
                throw ValidationError("give --input-tokens and --output-tokens, or --from-log LOG")
            }
            if let cached = try count(cachedInputTokens, "--cached-input-tokens"), cached > input {
                throw ValidationError("--cached-input-tokens cannot exceed --input-tokens (input includes the cached tokens)")
            }
        } else if inputTokens != nil || outputTokens != nil || cachedInputTokens != nil {
            throw ValidationError("--from-log takes the token counts from the log; drop the --*-tokens options")
        }
    }

    private var modelNames: [String] {
        models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private func count(_ text: String?, _ option: String) throws -> Int? {
        guard let text else { return nil }
        guard let value = TokenCount.parse(text) else {
            throw ValidationError("\(option) takes a whole number of tokens with an optional K, M or B suffix, got '\(text)'")
        }
        return value
    }

    func run() async throws {
        try await reportingFailures {
            let calculator = try PricingOptions.calculator(pricing: pricing, config: config)
            let targets = try modelNames.map { name in
                let ref = PricingOptions.targetRef(name) ?? AuditReport.target(model: name, provider: nil, catalog: calculator.catalog)
                return try PricingOptions.requirePrice(ref, calculator)
            }
            let profile = try makeProfile(calculator)
            let comparison = CostComparison(profile: profile, targets: targets, calculator: calculator)
            switch format {
            case .table: print(comparison.table())
            case .json: print(comparison.json())
            case .csv: print(comparison.csv())
            }
        }
    }

    private func makeProfile(_ calculator: CostCalculator) throws -> UsageProfile {
        guard !fromLog.isEmpty else {
            return UsageProfile(
                inputTokens: try count(inputTokens, "--input-tokens") ?? 0,
                cachedInputTokens: try count(cachedInputTokens, "--cached-input-tokens") ?? 0,
                outputTokens: try count(outputTokens, "--output-tokens") ?? 0)
        }
        let progress = ProgressLine()
        let scan = try LogScan.read(paths: fromLog, progress: progress.update)
        progress.finish()
        let report = AuditReport(scan: scan, targets: [], calculator: calculator)
        guard scan.requests > 0 else { throw CommandFailure("no usable lines in \(fromLog.joined(separator: ", "))") }
        guard let profile = UsageProfile(report: report) else {
            throw CommandFailure("\(report.periodLine(scan)) Give --input-tokens and --output-tokens instead.")
        }
        return profile
    }
}
