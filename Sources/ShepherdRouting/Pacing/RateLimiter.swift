import ShepherdCore

/// Requests-per-minute and tokens-per-minute limits as a pure state machine (the generic
/// cell rate algorithm: one "theoretical arrival time" per resource). A full minute's
/// allowance may be used at once; after that, requests are spaced evenly.
public struct RateLimiter: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public enum Decision: Sendable, Equatable {
        /// Go after waiting this long (zero: at once).
        case granted(wait: Duration)
        /// Over the limit by more than the caller will wait.
        case rejected(retryAfter: Duration)
    }

    public let requestsPerMinute: Int?
    public let tokensPerMinute: Int?
    private var requestTAT: Instant?
    private var tokenTAT: Instant?
    private static let period: Duration = .seconds(60)

    public init(requestsPerMinute: Int?, tokensPerMinute: Int?) {
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
    }

    public var isUnlimited: Bool { requestsPerMinute == nil && tokensPerMinute == nil }

    /// Takes one request and `tokens` tokens if they fit within `maxWait`; otherwise takes
    /// nothing and says how long until they would.
    public mutating func reserve(tokens: Int, now: Instant, maxWait: Duration) -> Decision {
        let requestPlan = requestsPerMinute.map { Self.plan(tat: requestTAT, amount: 1, perMinute: $0, now: now) }
        let tokenPlan = tokensPerMinute.map { Self.plan(tat: tokenTAT, amount: max(0, tokens), perMinute: $0, now: now) }
        let wait = max(requestPlan?.wait ?? .zero, tokenPlan?.wait ?? .zero)
        guard wait <= maxWait else { return .rejected(retryAfter: wait) }
        if let requestPlan { requestTAT = requestPlan.newTAT }
        if let tokenPlan { tokenTAT = tokenPlan.newTAT }
        return .granted(wait: wait)
    }

    /// Corrects a reservation once the real token count is known (negative refunds).
    public mutating func adjust(tokens delta: Int, now: Instant) {
        guard let tokensPerMinute, delta != 0 else { return }
        let base = max(tokenTAT ?? now, now)
        tokenTAT = base.advanced(by: Self.interval(perMinute: tokensPerMinute) * delta)
    }

    /// What remains of this minute's allowance, as OpenAI's `x-ratelimit-remaining-*` say.
    public func remaining(now: Instant) -> (requests: Int?, tokens: Int?) {
        func left(_ tat: Instant?, _ perMinute: Int?) -> Int? {
            guard let perMinute else { return nil }
            guard let tat, tat > now else { return perMinute }
            let used = now.duration(to: tat) / Self.interval(perMinute: perMinute)
            return max(0, min(perMinute, perMinute - Int(used.rounded(.up))))
        }
        return (left(requestTAT, requestsPerMinute), left(tokenTAT, tokensPerMinute))
    }

    private static func interval(perMinute: Int) -> Duration { period / perMinute }

    private static func plan(tat: Instant?, amount: Int, perMinute: Int, now: Instant) -> (newTAT: Instant, wait: Duration) {
        let start = max(tat ?? now, now)
        let newTAT = start.advanced(by: interval(perMinute: perMinute) * amount)
        // Allowed once newTAT − period ≤ now: a minute's worth of burst.
        let allowedAt = newTAT.advanced(by: .zero - period)
        return (newTAT, allowedAt > now ? now.duration(to: allowedAt) : .zero)
    }
}
