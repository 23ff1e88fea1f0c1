import ArgumentParser
import Foundation
import ShepherdCore
import ShepherdLedger
import Yams

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Price real usage logs now and on other targets, with monthly and annual projections.",
        discussion: """
            Reads JSON Lines logs (plain or gzip) in OpenAI, Anthropic, Gemini, LiteLLM, Shepherd \
            ledger-export and seed shapes, detected line by line. Cached input is priced once, at its \
            own price. Unusable lines are counted by reason, never fatal. Months are 30.44 days, \
            projected from the log's own first and last timestamps.
            Examples:
              shepherd audit logs/june.jsonl.gz
              shepherd audit a.jsonl b.jsonl --target gemini/gemini-2.5-flash --target openai/gpt-4o-mini
              shepherd audit usage.jsonl --target openai/gpt-4o-mini --pricing deal.yaml --format json
            """)

    @Argument(help: "JSON Lines usage logs, plain or gzip (detected from the content).") var logs: [String]
    @Option(name: .customLong("target"), help: "PROVIDER/MODEL to price the same traffic on; repeatable.")
    var targets: [String] = []
    @Option(help: "A YAML file with a `pricing:` section (USD per 1M tokens) laid over the catalog.")
    var pricing: String?
    @Option(help: "The configuration file, for its `pricing:` (default: ./shepherd.yaml when it exists).")
    var config: String?
    @Option(help: "table, json or csv.") var format: OutputFormat = .table

    func validate() throws {
        if logs.isEmpty { throw ValidationError("give at least one log file") }
        for target in targets where PricingOptions.targetRef(target) == nil {
            throw ValidationError("--target takes PROVIDER/MODEL (like openai/gpt-4o-mini), got '\(target)'")
        }
    }

    func run() async throws {
        try await reportingFailures {
            let calculator = try PricingOptions.calculator(pricing: pricing, config: config)
            let refs = try targets.compactMap(PricingOptions.targetRef).map { ref in
                try PricingOptions.requirePrice(ref, calculator)
            }
            let progress = ProgressLine()
            let scan = try LogScan.read(paths: logs, progress: progress.update)
            progress.finish()
            let report = AuditReport(scan: scan, targets: refs, calculator: calculator)
            switch format {
            case .table: print(report.table(scan: scan))
            case .json: print(report.json(scan: scan))
            case .csv:
                print(report.csv())
                for note in report.notes(scan: scan) { FileHandle.standardError.write(Data("\(note)\n".utf8)) }
            }
        }
    }
}

/// Prices for `audit` and `compare`: the shipped catalog under the config's `pricing:` and a
/// `--pricing` file's, the file winning.
enum PricingOptions {
    static func calculator(pricing: String?, config: String?) throws -> CostCalculator {
        var overrides: [String: PriceOverride] = [:]
        let configPath = config ?? (FileManager.default.fileExists(atPath: "shepherd.yaml") ? "shepherd.yaml" : nil)
        if let configPath {
            overrides = try ConfigLoader.load(path: configPath, requireSecrets: false).pricing
        }
        if let pricing { overrides.merge(try pricingFile(pricing)) { _, file in file } }
        return CostCalculator(prices: overrides)
    }

    /// `pricing: {provider/model: {input: 2.5, cached_input: 1.25, output: 10}}`, the same
    /// section as in the configuration; the file may hold other sections, which are ignored.
    static func pricingFile(_ path: String) throws -> [String: PriceOverride] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CommandFailure("cannot read \(path): \((error as NSError).localizedDescription)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw CommandFailure("\(path): invalid YAML: \(error)")
        }
        guard let section = root?.mapping?["pricing"]?.mapping else {
            throw CommandFailure("\(path): no `pricing:` mapping of provider/model to {input, cached_input, output}")
        }
        var prices: [String: PriceOverride] = [:]
        for (key, value) in section {
            guard let name = key.string, targetRef(name) != nil else {
                throw CommandFailure("\(path): pricing keys are provider/model, got '\(key.string ?? "a collection")'")
            }
            func price(_ field: String) throws -> Decimal? {
                guard let node = value.mapping?[field] else { return nil }
                // From the YAML text, never through Double, so 0.075 stays exactly 0.075.
                guard let raw = node.scalar?.string, raw.allSatisfy({ $0.isNumber || $0 == "." }),
                    let number = Decimal(string: raw, locale: Locale(identifier: "en_US_POSIX"))
                else { throw CommandFailure("\(path): pricing.\(name).\(field) must be a non-negative number") }
                return number
            }
            guard let input = try price("input"), let output = try price("output") else {
                throw CommandFailure("\(path): pricing.\(name) needs 'input' and 'output' (USD per 1M tokens)")
            }
            prices[name] = PriceOverride(input: input, cachedInput: try price("cached_input"), output: output)
        }
        return prices
    }

    static func targetRef(_ text: String) -> TargetRef? {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        let provider = String(text[..<slash]).trimmingCharacters(in: .whitespaces)
        let model = String(text[text.index(after: slash)...]).trimmingCharacters(in: .whitespaces)
        guard !provider.isEmpty, !model.isEmpty else { return nil }
        return TargetRef(provider: provider, model: model)
    }

    /// A target nobody can price would project to $0 and look like a 100% saving: refuse it.
    static func requirePrice(_ ref: TargetRef, _ calculator: CostCalculator) throws -> TargetRef {
        guard calculator.price(for: ref) != nil else {
            let name = ref.provider.isEmpty ? ref.model : ref.description
            throw CommandFailure("no price for \(name) in the catalog or pricing overrides; add it with --pricing FILE")
        }
        return ref
    }
}

/// A one-line progress display on stderr for big logs, only when stderr is a terminal (it would
/// otherwise litter redirected output).
final class ProgressLine {
    private static let threshold: Int64 = 8 << 20
    private let enabled = isatty(STDERR_FILENO) == 1
    private var shown = false

    func update(path: String, read: Int64, total: Int64) {
        guard enabled, total >= Self.threshold else { return }
        shown = true
        let megabytes = read >> 20
        // gzip's output outgrows the file, so a percentage means nothing there.
        let text = path.hasSuffix(".gz") || read > total
            ? "\r\(path): \(megabytes) MB read" : "\r\(path): \(read * 100 / max(total, 1))% of \(total >> 20) MB"
        FileHandle.standardError.write(Data(text.utf8))
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
