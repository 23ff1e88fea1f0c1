import Foundation

/// Multimodal units in a request that providers bill apart from tokens.
public struct MediaUnits: Sendable, Equatable {
    public var images: Int
    public var audioSeconds: Decimal
    public var videoSeconds: Decimal

    public init(images: Int = 0, audioSeconds: Decimal = 0, videoSeconds: Decimal = 0) {
        self.images = images
        self.audioSeconds = audioSeconds
        self.videoSeconds = videoSeconds
    }

    public static let none = MediaUnits()
}

/// The cost of one request and whether it is complete.
public struct CostQuote: Sendable, Equatable {
    /// Exact USD. Zero for an unknown model.
    public var costUSD: Decimal
    /// False when some billed quantity had no known price (an unknown model, or images on a
    /// model whose per-image price is not known): the cost is then a lower bound.
    public var priced: Bool
    /// Where the price came from; nil for an unknown model.
    public var source: PriceSource?
    /// Why the quote is unpriced, in one line for a warning; nil when priced.
    public var unpricedReason: String?

    public init(costUSD: Decimal, priced: Bool, source: PriceSource?, unpricedReason: String? = nil) {
        self.costUSD = costUSD
        self.priced = priced
        self.source = source
        self.unpricedReason = unpricedReason
    }
}
