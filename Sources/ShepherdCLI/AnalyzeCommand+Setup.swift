import Foundation
import Shepherd
import ShepherdCore
import ShepherdLedger
import ShepherdTokenizer

/// What `shepherd analyze` calls and how it sizes and prices the calls: from the config's
/// model (its targets' windows and prices) when `--config` is given, else from the shipped
/// catalog's entry for the model name.
struct AnalyzeSetup {
    var model: String
    /// The API root the client posts to (`…/v1`).
    var apiRoot: String
    var window: Int
    /// Where the window came from, for the estimate.
    var windowBasis: String
    var encoding: EncodingName
    var pricing: MapReducePricing

    static let assumedWindow = 128_000

    init(config path: String?, model requested: String?, gateway: String?, window: Int?) throws {
        var targets: [TargetRef]
        var windows: [Int] = []
        let calculator: CostCalculator
        var base = gateway
        if let path {
            let config = try ConfigLoader.load(path: path, requireSecrets: false)
            let name = requested ?? config.models.first?.name ?? "chat"
            guard let modelConfig = config.model(named: name) else {
                let known = config.models.map(\.name).joined(separator: ", ")
                throw CommandFailure("model '\(name)' is not in \(path) (its models: \(known))")
            }
            model = name
            calculator = CostCalculator(prices: config.pricing)
            targets = modelConfig.targets.map(\.ref)
            windows = modelConfig.targets.compactMap { $0.contextWindow ?? calculator.contextWindow(for: $0.ref) }
            if base == nil {
                let host = config.server.host == "0.0.0.0" ? "127.0.0.1" : config.server.host
                base = "http://\(host.contains(":") ? "[\(host)]" : host):\(config.server.port)"
            }
        } else {
            model = requested ?? "chat"
            calculator = CostCalculator(prices: [:])
            targets = [TargetRef(provider: "", model: model)]
            windows = calculator.contextWindow(for: targets[0]).map { [$0] } ?? []
        }
        if let window {
            self.window = window
            windowBasis = "--window"
        } else if let smallest = windows.min() {
            self.window = smallest
            windowBasis = targets.count > 1 ? "the smallest of the targets' windows" : "the catalog or config"
        } else {
            self.window = Self.assumedWindow
            windowBasis = "assumed: no window known for '\(model)'; pass --window"
        }
        encoding = targets.lazy.compactMap { Tokenizer.forModel($0.model) }.first
            ?? Tokenizer.forModel(model) ?? .o200k_base
        pricing = MapReducePricing(targets: targets, calculator: calculator)
        apiRoot = Self.apiRoot(base ?? "http://127.0.0.1:8080")
    }

    /// A gateway address with or without `/v1`, as the client's API root.
    static func apiRoot(_ base: String) -> String {
        var root = base
        while root.hasSuffix("/") { root.removeLast() }
        return root.hasSuffix("/v1") ? root : root + "/v1"
    }
}
