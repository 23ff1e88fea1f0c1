import Foundation

/// One row of the ledger: one client request (SPEC §5), or one shadow call (`shadow`).
public struct UsageRecord: Sendable, Equatable {
    /// The request id (`x-request-id`). With `shadow` it identifies the row.
    public var id: String
    public var time: Date
    public var keyID: String?
    /// The model the client asked for.
    public var publicModel: String
    /// The provider and model that answered (the last one tried when none did).
    public var provider: String
    public var targetModel: String
    /// Upstream calls made, retries and fallbacks included.
    public var attempts: Int
    /// The HTTP status the client got.
    public var status: Int
    /// `prompt_tokens`, cached ones included.
    public var inputTokens: Int
    public var cachedInputTokens: Int
    public var outputTokens: Int
    public var imageCount: Int
    public var audioSeconds: Decimal
    public var videoSeconds: Decimal
    public var costUSD: Decimal
    /// False when some of the usage had no known price (see ``CostQuote/priced``).
    public var priced: Bool
    /// True when the tokens were counted by Shepherd, not reported by the upstream.
    public var estimated: Bool
    /// Milliseconds to the first byte sent to the client; nil when none was.
    public var firstByteMs: Int?
    public var totalMs: Int
    /// The rollout step in force for the request's model, if a rollout is running.
    public var rolloutStep: Int?
    public var shadow: Bool

    public init(
        id: String, time: Date = Date(), keyID: String? = nil, publicModel: String, provider: String,
        targetModel: String, attempts: Int = 1, status: Int = 200, inputTokens: Int = 0, cachedInputTokens: Int = 0,
        outputTokens: Int = 0, imageCount: Int = 0, audioSeconds: Decimal = 0, videoSeconds: Decimal = 0,
        costUSD: Decimal = 0, priced: Bool = true, estimated: Bool = false, firstByteMs: Int? = nil, totalMs: Int = 0,
        rolloutStep: Int? = nil, shadow: Bool = false
    ) {
        self.id = id
        self.time = time
        self.keyID = keyID
        self.publicModel = publicModel
        self.provider = provider
        self.targetModel = targetModel
        self.attempts = attempts
        self.status = status
        self.inputTokens = inputTokens
        self.cachedInputTokens = cachedInputTokens
        self.outputTokens = outputTokens
        self.imageCount = imageCount
        self.audioSeconds = audioSeconds
        self.videoSeconds = videoSeconds
        self.costUSD = costUSD
        self.priced = priced
        self.estimated = estimated
        self.firstByteMs = firstByteMs
        self.totalMs = totalMs
        self.rolloutStep = rolloutStep
        self.shadow = shadow
    }

    /// Takes the cost and the priced flag from a quote.
    public mutating func apply(_ quote: CostQuote) {
        costUSD = quote.costUSD
        priced = quote.priced
    }
}
