import Foundation
import ShepherdCore

/// Turns an error answer (OpenAI's envelope `{"error": {"message","type","param","code"}}`,
/// which the gateway and most providers send) into a ``ShepherdError``: the gateway's
/// `code` decides first, the HTTP status otherwise.
enum ErrorDecoding {
    struct Envelope: Decodable {
        struct Body: Decodable {
            var message: String?
            var type: String?
            var param: String?
            var code: String?

            enum CodingKeys: String, CodingKey { case message, type, param, code }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                message = try? container.decodeIfPresent(String.self, forKey: .message)
                type = try? container.decodeIfPresent(String.self, forKey: .type)
                param = try? container.decodeIfPresent(String.self, forKey: .param)
                // Some providers send a numeric code.
                code = (try? container.decodeIfPresent(String.self, forKey: .code))
                    ?? (try? container.decodeIfPresent(Int.self, forKey: .code)).flatMap { $0.map(String.init) }
            }
        }
        var error: Body
    }

    static func error(status: Int?, body: [UInt8], retryAfter: String?, requestID: String?) -> ShepherdError {
        let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(body))
        let fallback = String(decoding: body.prefix(500), as: UTF8.self)
        let message = envelope?.error.message ?? (fallback.isEmpty ? "HTTP \(status ?? 0)" : fallback)
        let wait = retryAfter.flatMap(Double.init).map { Duration.milliseconds(Int64($0 * 1000)) }
        let kind = kind(status: status, code: envelope?.error.code, type: envelope?.error.type, param: envelope?.error.param, message: message, retryAfter: wait)
        return ShepherdError(kind, message, status: status, code: envelope?.error.code, requestID: requestID)
    }

    static func kind(status: Int?, code: String?, type: String?, param: String?, message: String, retryAfter: Duration?) -> ShepherdError.Kind {
        switch code {
        case "context_length_exceeded":
            let sizes = contextSizes(in: message)
            return .contextLengthExceeded(limit: sizes.limit, requested: sizes.requested)
        case "invalid_api_key": return .authentication
        case "model_not_allowed": return .permissionDenied
        case "model_not_found": return .modelNotFound
        case "request_too_large": return .requestTooLarge
        case "budget_exceeded", "insufficient_quota": return .budgetExceeded
        case "rate_limit_exceeded": return .rateLimited(retryAfter: retryAfter)
        case "upstream_error": return .upstreamError
        case "no_healthy_upstream", "shutting_down": return .noHealthyUpstream(retryAfter: retryAfter)
        case "upstream_timeout": return .upstreamTimeout
        default: break
        }
        switch status {
        case 400?, 422?:
            if message.contains("context length") || message.contains("context window") {
                let sizes = contextSizes(in: message)
                return .contextLengthExceeded(limit: sizes.limit, requested: sizes.requested)
            }
            return .invalidRequest(param: param)
        case 401?: return .authentication
        case 403?: return .permissionDenied
        case 404?: return .modelNotFound
        case 413?: return .requestTooLarge
        case 429?: return type == "insufficient_quota" ? .budgetExceeded : .rateLimited(retryAfter: retryAfter)
        case 502?: return .upstreamError
        case 503?: return .noHealthyUpstream(retryAfter: retryAfter)
        case 504?: return .upstreamTimeout
        case let status?: return .server(status: status)
        case nil: return .server(status: 0)
        }
    }

    /// The window and the requested size, from the gateway's message ("needs about 9000
    /// tokens … (8192 tokens)") or OpenAI's ("maximum context length is 8192 tokens …
    /// resulted in 9000 tokens").
    static func contextSizes(in message: String) -> (limit: Int?, requested: Int?) {
        func number(after pattern: Regex<(Substring, Substring)>) -> Int? {
            message.firstMatch(of: pattern).flatMap { Int($0.output.1) }
        }
        let requested = number(after: /needs about (\d+) tokens/) ?? number(after: /resulted in (\d+) tokens/)
            ?? number(after: /requested (\d+) tokens/)
        let limit = number(after: /maximum context length is (\d+) tokens/) ?? number(after: /\((\d+) tokens\)\D*$/)
        return (limit, requested)
    }

    /// The error a gateway-side failure becomes in-process (the router's errors).
    static func error(_ error: GatewayError) -> ShepherdError {
        let wait = error.retryAfterSeconds.map { Duration.seconds($0) }
        let kind = kind(status: error.status, code: error.code.rawValue, type: error.type, param: error.param, message: error.message, retryAfter: wait)
        return ShepherdError(kind, error.message, status: error.status, code: error.code.rawValue)
    }
}
