import Foundation
import ShepherdCore
import ShepherdLedger

/// Prices a run's tokens at the targets that may serve it. A public model of several targets
/// is priced at its dearest, so the estimate is a ceiling whichever target answers.
public struct MapReducePricing: Sendable {
    public let targets: [TargetRef]
    public let calculator: CostCalculator

    /// - Parameter targets: the config's targets of the model; for a model named directly,
    ///   one target with an empty provider, which the catalog looks up by model name.
    public init(targets: [TargetRef], calculator: CostCalculator) {
        self.targets = targets
        self.calculator = calculator
    }

    /// A cost, or why there is none, and what it rests on — for people.
    public struct Cost: Sendable, Hashable {
        /// Nil when some target has no price.
        public var usd: Decimal?
        public var basis: String

        public init(usd: Decimal?, basis: String) {
            self.usd = usd
            self.basis = basis
        }
    }

    public func cost(of tally: TokenTally) -> Cost {
        guard !targets.isEmpty else { return Cost(usd: nil, basis: "unpriced: the model has no targets to price") }
        var best: (usd: Decimal, target: TargetRef)?
        for target in targets {
            let quote = calculator.quote(Usage(promptTokens: tally.input, completionTokens: tally.output), at: target)
            guard quote.priced else {
                let name = target.provider.isEmpty ? "'\(target.model)'" : target.description
                return Cost(usd: nil, basis: "unpriced: no price for \(name) in the shipped catalog or config pricing:")
            }
            if best == nil || quote.costUSD > best!.usd { best = (quote.costUSD, target) }
        }
        guard let best else { return Cost(usd: nil, basis: "unpriced") }
        return Cost(usd: best.usd, basis: basis(for: best.target))
    }

    private func basis(for target: TargetRef) -> String {
        let name = target.provider.isEmpty ? target.model : target.description
        guard let resolved = calculator.catalog.price(for: target), let prices = resolved.price.tokenPrices else {
            return name
        }
        let source: String
        switch resolved.source {
        case .override(let key): source = "config pricing: \(key)"
        case .catalog(let entry): source = "shipped catalog: \(entry)"
        }
        let dearest = targets.count > 1 ? ", the dearest of \(targets.count) targets" : ""
        return "\(name) at $\(Self.dollars(prices.input)) in / $\(Self.dollars(prices.output)) out per 1M tokens (\(source)\(dearest))"
    }

    /// `2.5` → `2.50`, `0.075` → `0.075`: prices read as money.
    static func dollars(_ price: Decimal) -> String {
        let text = "\(price)"
        guard let dot = text.firstIndex(of: ".") else { return text + ".00" }
        return text.distance(from: dot, to: text.endIndex) == 2 ? text + "0" : text
    }
}
