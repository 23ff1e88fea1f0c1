/// The one error type of the gateway. Each ``Code`` knows its HTTP status and OpenAI
/// `type`, so every route, dialect and the CLI describe a failure the same way.
public struct GatewayError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case invalidRequest = "invalid_request"
        case contextLengthExceeded = "context_length_exceeded"
        case invalidAPIKey = "invalid_api_key"
        case modelNotAllowed = "model_not_allowed"
        case modelNotFound = "model_not_found"
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case requestTooLarge = "request_too_large"
        case rateLimitExceeded = "rate_limit_exceeded"
        case budgetExceeded = "budget_exceeded"
        case upstreamError = "upstream_error"
        case noHealthyUpstream = "no_healthy_upstream"
        case upstreamTimeout = "upstream_timeout"
        case shuttingDown = "shutting_down"
        case internalError = "internal_error"
    }

    public var code: Code
    public var message: String
    /// The request field at fault, as OpenAI reports it (`messages[0].content`).
    public var param: String?
    /// Seconds a client should wait, sent as `Retry-After` on 429 and 503.
    public var retryAfterSeconds: Int?

    public init(_ code: Code, _ message: String, param: String? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.param = param
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public var status: Int {
        switch code {
        case .invalidRequest, .contextLengthExceeded: 400
        case .invalidAPIKey: 401
        case .modelNotAllowed: 403
        case .modelNotFound, .notFound: 404
        case .methodNotAllowed: 405
        case .requestTooLarge: 413
        case .rateLimitExceeded, .budgetExceeded: 429
        case .internalError: 500
        case .upstreamError: 502
        case .noHealthyUpstream, .shuttingDown: 503
        case .upstreamTimeout: 504
        }
    }

    /// OpenAI's `error.type`; its SDKs choose the exception class by status, this is for people.
    public var type: String {
        switch code {
        case .invalidRequest, .contextLengthExceeded, .modelNotFound, .notFound, .methodNotAllowed,
            .requestTooLarge:
            "invalid_request_error"
        case .invalidAPIKey: "authentication_error"
        case .modelNotAllowed: "permission_error"
        case .rateLimitExceeded: "rate_limit_error"
        case .budgetExceeded: "insufficient_quota"
        case .upstreamError, .noHealthyUpstream, .upstreamTimeout, .shuttingDown, .internalError: "api_error"
        }
    }

    /// Client mistakes are routine and logged at debug; gateway and upstream faults at warning.
    public var isClientError: Bool { status < 500 }

    /// The OpenAI error envelope, `{"error": {"message", "type", "param", "code"}}`.
    public func openAIEnvelope() -> [UInt8] {
        var out = JSONWriter()
        out.beginObject()
        out.key("error")
        out.beginObject()
        out.key("message"); out.string(message)
        out.key("type"); out.string(type)
        out.key("param"); if let param { out.string(param) } else { out.null() }
        out.key("code"); out.string(code.rawValue)
        out.endObject()
        out.endObject()
        return out.bytes
    }
}
