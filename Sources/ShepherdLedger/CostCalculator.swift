import Foundation
import ShepherdCore

/// The cost of a request from its usage, in exact decimal USD. Cached input is counted once,
/// at its own price: `prompt_tokens` already includes the cached tokens.
public struct CostCalculator: Sendable {
    private let prices: [String: PriceOverride]

    public init(prices: [String: PriceOverride]) {
        self.prices = prices
    }

    public func price(for target: TargetRef) -> PriceOverride? { prices[target.description] }

    public func cost(of usage: Usage, at target: TargetRef) -> Decimal? {
        guard let price = price(for: target) else { return nil }
        let cached = Decimal(min(usage.cachedTokens, usage.promptTokens))
        let uncached = Decimal(usage.promptTokens) - cached
        let perMillion = uncached * price.input + cached * (price.cachedInput ?? price.input)
            + Decimal(usage.completionTokens) * price.output
        return perMillion / 1_000_000
    }

    /// A plain decimal string (`0.000123`), as the `x-shepherd-cost-usd` header carries it.
    public static func format(_ cost: Decimal) -> String {
        var value = cost
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 10, .plain)
        return NSDecimalNumber(decimal: rounded).stringValue
    }
}
