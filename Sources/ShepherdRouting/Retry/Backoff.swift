import ShepherdCore

/// Full-jitter exponential backoff (the AWS Architecture Blog's "full jitter"): the n-th
/// retry waits a uniform time in [0, min(max, base × 2ⁿ)], and an upstream's Retry-After,
/// when it gave one, is a floor.
public struct Backoff: Sendable {
    public let policy: RetryPolicy

    public init(policy: RetryPolicy) {
        self.policy = policy
    }

    /// - Parameters:
    ///   - retry: 0 for the first retry.
    ///   - retryAfter: what the upstream asked for, in seconds.
    ///   - random: uniform in [0, 1), injected for tests.
    public func delay(retry: Int, retryAfter: Double? = nil, random: Double = Double.random(in: 0..<1)) -> Duration {
        let exponent = min(retry, 30)
        let ceilingMs = min(Double(policy.maxMs), Double(policy.baseMs) * Double(1 << exponent))
        var delayMs = ceilingMs * random
        if let retryAfter { delayMs = max(delayMs, retryAfter * 1000) }
        return .milliseconds(Int64(delayMs.rounded(.up)))
    }
}
