import Foundation
import ShepherdCore
import Synchronization

/// The cost of a request from its usage, in exact decimal USD. Cached input is counted once,
/// at its own price: `prompt_tokens` already includes the cached tokens (and the audio tokens,
/// which are priced apart where the catalog knows an audio price).
public struct CostCalculator: Sendable {
    public let catalog: PriceCatalog
    /// Resolving a target walks several candidate names; the gateway asks for the same few
    /// targets on every request, so each answer is kept.
    private let resolved = PriceMemo()

    /// Config `pricing:` over the shipped catalog.
    public init(prices: [String: PriceOverride]) {
        self.init(prices: prices, catalog: .bundled)
    }

    public init(prices: [String: PriceOverride], catalog: PriceCatalog) {
        self.catalog = catalog.applying(overrides: prices)
    }

    /// Token prices for a target (override, else catalog), when input and output are known.
    public func price(for target: TargetRef) -> PriceOverride? {
        resolve(target)?.price.tokenPrices
    }

    func resolve(_ target: TargetRef) -> ResolvedPrice? {
        resolved.value(for: target) { catalog.price(for: $0) }
    }

    /// The most input tokens the target's model accepts, from the catalog (or its override).
    public func contextWindow(for target: TargetRef) -> Int? {
        resolve(target)?.price.maxInputTokens
    }

    /// The cost when it is fully priced, else nil (what `x-shepherd-cost-usd` needs).
    public func cost(of usage: Usage, at target: TargetRef) -> Decimal? {
        let quote = quote(usage, at: target)
        return quote.priced ? quote.costUSD : nil
    }

    /// The cost of a request, never failing: an unknown model is a zero-cost quote flagged
    /// unpriced, so the ledger still gets its row.
    public func quote(_ usage: Usage, media: MediaUnits = .none, at target: TargetRef) -> CostQuote {
        guard let resolved = resolve(target) else {
            return CostQuote(
                costUSD: 0, priced: false, source: nil,
                unpricedReason: "no price for \(target) in config pricing: or the catalog; its cost counts as 0")
        }
        var bill = Bill()
        let price = resolved.price
        let prompt = max(usage.promptTokens, 0)
        let cached = min(max(usage.cachedTokens, 0), prompt)
        var audio = min(max(usage.promptTokensDetails?.audioTokens ?? 0, 0), prompt - cached)
        if price.audioInput == nil { audio = 0 }  // no separate audio price: audio counts as text input
        let text = prompt - cached - audio

        bill.add(tokens: text, perMillion: price.input, what: "input tokens")
        bill.add(tokens: cached, perMillion: price.cachedInput ?? price.input, what: "cached input tokens")
        bill.add(tokens: audio, perMillion: price.audioInput, what: "audio input tokens")
        bill.add(tokens: max(usage.completionTokens, 0), perMillion: price.output, what: "output tokens")
        bill.add(units: Decimal(max(media.images, 0)), each: price.perImage, what: "images")
        bill.add(units: max(media.audioSeconds, 0), each: price.perAudioSecond, what: "audio seconds")
        bill.add(units: max(media.videoSeconds, 0), each: price.perVideoSecond, what: "video seconds")

        let reason = bill.missing.isEmpty
            ? nil : "no price for \(bill.missing.joined(separator: ", ")) of \(target); they count as 0"
        return CostQuote(costUSD: Self.millionths(bill.perMillion) + bill.perUnit, priced: bill.missing.isEmpty,
                         source: resolved.source, unpricedReason: reason)
    }

    /// An upper estimate to reserve against a budget before the upstream call: every input
    /// token at the uncached price, plus `maxOutputTokens` (the request's `max_tokens`, else the
    /// model's output limit, else 4,096) at the output price. Zero when the model is unpriced.
    public func estimate(inputTokens: Int, maxOutputTokens: Int?, at target: TargetRef) -> Decimal {
        guard let price = resolve(target)?.price else { return 0 }
        let output = maxOutputTokens ?? price.maxOutputTokens ?? 4_096
        let perMillion = Decimal(max(inputTokens, 0)) * (price.input ?? 0) + Decimal(max(output, 0)) * (price.output ?? 0)
        return Self.millionths(perMillion)
    }

    /// `value / 1,000,000`, exactly: moving the decimal exponent costs nothing, where
    /// `Decimal`'s long division was the most expensive step of pricing a request.
    static func millionths(_ value: Decimal) -> Decimal {
        guard !value.isZero else { return 0 }
        // Decimal's exponent has a floor (-128); so small a value takes the slow, exact path.
        guard value.exponent > -120 else { return value / 1_000_000 }
        return Decimal(sign: value.sign, exponent: -6, significand: value.magnitude)
    }

    /// A plain decimal string (`0.000123`), as the `x-shepherd-cost-usd` header carries it:
    /// rounded to ten places.
    public static func format(_ cost: Decimal) -> String {
        // Ten places or fewer (every token price per million with up to four decimals): nothing
        // to round, and `description` writes the same digits as `roundedText` without rounding
        // or an `NSDecimalNumber` (1 % of a request's CPU; CostCalculatorTests compares the two).
        if cost.exponent >= -10 { return cost.description }
        return roundedText(cost)
    }

    static func roundedText(_ cost: Decimal) -> String {
        var value = cost
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 10, .plain)
        return NSDecimalNumber(decimal: rounded).stringValue
    }
}

/// Resolved prices by target, bounded so that pricing arbitrary model names (an audit of
/// someone's logs) cannot grow it without end.
private final class PriceMemo: Sendable {
    private let entries = Mutex<[TargetRef: ResolvedPrice?]>([:])
    private static let capacity = 4_096

    func value(for target: TargetRef, resolve: (TargetRef) -> ResolvedPrice?) -> ResolvedPrice? {
        if let hit = entries.withLock({ $0[target] }) { return hit }
        let value = resolve(target)
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[target] = .some(value)
        }
        return value
    }
}

/// Sums per-million and per-unit charges apart (one division at the end keeps the result
/// exact) and remembers which billed quantities had no price.
private struct Bill {
    var perMillion: Decimal = 0
    var perUnit: Decimal = 0
    var missing: [String] = []

    mutating func add(tokens: Int, perMillion price: Decimal?, what: String) {
        guard tokens > 0 else { return }
        guard let price else { return missing.append(what) }
        perMillion += Decimal(tokens) * price
    }

    mutating func add(units: Decimal, each price: Decimal?, what: String) {
        guard units > 0 else { return }
        guard let price else { return missing.append(what) }
        perUnit += units * price
    }
}
