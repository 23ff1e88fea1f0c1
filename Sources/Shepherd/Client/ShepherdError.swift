import Foundation

/// A failed chat completion, typed after the gateway's errors (SPEC §4) so that code can
/// react to a rate limit or a too-long prompt the same way through a gateway, a provider or
/// the in-process router. `message` is the server's explanation; it never holds a key.
public struct ShepherdError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// 400: malformed request, bad content part or tool (`param` names the field).
        case invalidRequest(param: String?)
        /// 400 `context_length_exceeded`: the prompt (plus max output) is over the window.
        case contextLengthExceeded(limit: Int?, requested: Int?)
        /// 401: missing or unknown API key.
        case authentication
        /// 403: the key may not use this model.
        case permissionDenied
        /// 404: no such model.
        case modelNotFound
        /// 413: the body is over the server's limit.
        case requestTooLarge
        /// 429: the key (or the upstream) is over its rate limit; wait `retryAfter`.
        case rateLimited(retryAfter: Duration?)
        /// 429 `budget_exceeded` (or a provider's `insufficient_quota`).
        case budgetExceeded
        /// 502: every upstream attempt failed (`status` is the gateway's, the message names the upstream's).
        case upstreamError
        /// 503: every target's breaker is open, or the server is shutting down.
        case noHealthyUpstream(retryAfter: Duration?)
        /// 504: the gateway's total deadline passed.
        case upstreamTimeout
        /// This client's own timeout passed; the request was cancelled.
        case timeout
        /// Could not connect, or the connection broke.
        case connection
        /// A 2xx answer that is not a chat completion.
        case invalidResponse
        /// Any other status (500 and the like).
        case server(status: Int)
    }

    public var kind: Kind
    public var message: String
    /// The HTTP status, when there was one.
    public var status: Int?
    /// The error envelope's `code` (`rate_limit_exceeded`, `shutting_down`, …).
    public var code: String?
    /// The gateway's `x-request-id`, for support.
    public var requestID: String?

    public init(_ kind: Kind, _ message: String, status: Int? = nil, code: String? = nil, requestID: String? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
        self.code = code
        self.requestID = requestID
    }

    public var description: String {
        "\(kind)" + (status.map { " (HTTP \($0))" } ?? "") + ": \(message)"
    }

    /// Whether the same request may succeed later (rate limits, outages, timeouts).
    public var isRetryable: Bool {
        switch kind {
        case .rateLimited, .upstreamError, .noHealthyUpstream, .upstreamTimeout, .timeout, .connection: true
        case .server(let status): status >= 500
        default: false
        }
    }
}
