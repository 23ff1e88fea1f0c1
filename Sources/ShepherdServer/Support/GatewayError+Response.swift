import HTTPTypes
import Hummingbird
import ShepherdCore

extension GatewayError {
    /// The OpenAI error envelope as an HTTP response: the one place a failure becomes bytes.
    func response(requestID: String?) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let requestID { headers[.requestID] = requestID }
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: openAIEnvelope())))
    }

    /// Maps whatever a handler threw onto the contract's table.
    static func from(_ error: any Error) -> GatewayError {
        switch error {
        case let error as GatewayError: return error
        case let error as HTTPError where error.status == .contentTooLarge:
            return GatewayError(.requestTooLarge, "The request body is larger than the gateway accepts.")
        case let error as HTTPError where error.status == .notFound:
            return GatewayError(.notFound, "Unknown route.")
        case let error as HTTPError where error.status == .methodNotAllowed:
            return GatewayError(.methodNotAllowed, "Method not allowed on this route.")
        case let error as HTTPError where (400..<500).contains(error.status.code):
            return GatewayError(.invalidRequest, error.body ?? "Bad request.")
        default:
            return GatewayError(.internalError, "The gateway failed to handle the request.")
        }
    }
}

extension HTTPField.Name {
    static let requestID = Self("x-request-id")!
    static let shepherdProvider = Self("x-shepherd-provider")!
    static let shepherdModel = Self("x-shepherd-model")!
    static let shepherdAttempts = Self("x-shepherd-attempts")!
    static let shepherdCost = Self("x-shepherd-cost-usd")!
    static let shepherdUser = Self("x-shepherd-user")!
    static let rateLimitLimitRequests = Self("x-ratelimit-limit-requests")!
    static let rateLimitRemainingRequests = Self("x-ratelimit-remaining-requests")!
    static let rateLimitLimitTokens = Self("x-ratelimit-limit-tokens")!
    static let rateLimitRemainingTokens = Self("x-ratelimit-remaining-tokens")!
}
