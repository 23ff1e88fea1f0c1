import ShepherdCore
import ShepherdProviders

/// The outcomes of one request's attempts, in order, for the final error message and the
/// `x-shepherd-attempts` header. It never holds a credential: failures are redacted.
struct AttemptLog {
    private(set) var failures: [UpstreamFailure] = []
    private(set) var count = 0
    /// The target of the latest attempt, for the ledger row of a failed request.
    private(set) var lastTarget: Target?

    mutating func begin(_ target: Target) {
        count += 1
        lastTarget = target
    }
    mutating func record(_ failure: UpstreamFailure) { failures.append(failure) }

    /// One error for a request whose every attempt failed (SPEC §4: 502, or 504 when the
    /// deadline is what ended it).
    func finalError() -> GatewayError {
        guard let last = failures.last else {
            return GatewayError(.noHealthyUpstream, "No upstream was available for this model.")
        }
        let summary = failures.map { "\($0.provider)/\($0.model): \($0.outcome)" }.joined(separator: "; ")
        if failures.allSatisfy({ $0.kind == .timeout }) {
            return GatewayError(.upstreamTimeout, "Every upstream attempt timed out (\(summary)).")
        }
        if last.status == 429 {
            // An upstream's rate limit stays a 429, so clients back off instead of failing.
            return GatewayError(
                .rateLimitExceeded, "The upstream is rate limiting this model (\(summary)); retry later.",
                retryAfterSeconds: last.retryAfterSeconds.map { max(1, Int($0.rounded(.up))) } ?? 1)
        }
        return GatewayError(
            .upstreamError,
            "All \(failures.count) upstream attempt(s) failed; the last answered \(last.outcome): \(last.message) (\(summary)).")
    }
}
