import Foundation
import ShepherdCore

/// What one model costs, exactly. Token prices are USD per million tokens; `per*` prices are
/// USD per unit. A missing price means "not known", which is different from zero.
public struct ModelPrice: Sendable, Equatable {
    public var input: Decimal?
    public var cachedInput: Decimal?
    public var output: Decimal?
    /// Input audio tokens, where the provider prices them apart from text.
    public var audioInput: Decimal?
    public var perImage: Decimal?
    public var perAudioSecond: Decimal?
    public var perVideoSecond: Decimal?
    public var maxInputTokens: Int?
    public var maxOutputTokens: Int?
    /// The API the catalog files it under (`openai`, `gemini`, `bedrock`…).
    public var provider: String?

    public init(
        input: Decimal? = nil, cachedInput: Decimal? = nil, output: Decimal? = nil, audioInput: Decimal? = nil,
        perImage: Decimal? = nil, perAudioSecond: Decimal? = nil, perVideoSecond: Decimal? = nil,
        maxInputTokens: Int? = nil, maxOutputTokens: Int? = nil, provider: String? = nil
    ) {
        self.input = input
        self.cachedInput = cachedInput
        self.output = output
        self.audioInput = audioInput
        self.perImage = perImage
        self.perAudioSecond = perAudioSecond
        self.perVideoSecond = perVideoSecond
        self.maxInputTokens = maxInputTokens
        self.maxOutputTokens = maxOutputTokens
        self.provider = provider
    }

    /// A config `pricing:` entry laid over a catalog entry: the config's token prices win; what
    /// the config cannot say (per-unit prices, context limits) still comes from the catalog.
    public func overridden(by override: PriceOverride) -> ModelPrice {
        var price = self
        price.input = override.input
        price.cachedInput = override.cachedInput
        price.output = override.output
        return price
    }

    /// The token prices as a `PriceOverride`, when both input and output are known.
    public var tokenPrices: PriceOverride? {
        guard let input, let output else { return nil }
        return PriceOverride(input: input, cachedInput: cachedInput, output: output)
    }
}

/// Where a price came from, for logs and for the `priced` flag.
public enum PriceSource: Sendable, Equatable {
    /// Config `pricing:` under this `provider/model` key.
    case override(String)
    /// The shipped catalog, under this entry name.
    case catalog(String)
}

/// A price found for a target, with its origin.
public struct ResolvedPrice: Sendable, Equatable {
    public var price: ModelPrice
    public var source: PriceSource
}
