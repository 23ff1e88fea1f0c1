import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ShepherdCore
import ShepherdLedger
import ShepherdProviders
import ShepherdRouting

/// `POST /v1/chat/completions`: authenticate, validate, check the key's limits, then
/// forward with retries, breakers, pacing and fallbacks (`ChatProxy+Forward.swift`).
struct ChatProxy: Sendable {
    let config: GatewayConfig
    let providers: [String: any ChatProvider]
    let pickers: [String: TargetPicker]
    let authenticator: KeyAuthenticator
    let drain: DrainState
    let costs: CostCalculator
    let board: ResilienceBoard

    func handle(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        // ErrorEnvelopeMiddleware has given every request an id.
        let requestID = context.requestID
        var logger = context.logger
        logger[metadataKey: "shepherd.request_id"] = "\(requestID)"
        var modelLabel = "unknown"
        var attempts = AttemptLog()
        var limitHeaders = HTTPFields()
        do {
            guard !drain.isDraining else {
                throw GatewayError(.shuttingDown, "The gateway is shutting down; retry on another instance.", retryAfterSeconds: 1)
            }
            let caller = try authenticator.authenticate(bearer: request.headers[.authorization])
            let inbound = try InboundChatRequest(body: try await Self.collectBody(request, limit: config.server.maxBodyBytes))
            guard let model = config.model(named: inbound.model) else {
                throw GatewayError(
                    .modelNotFound, "The model '\(inbound.model)' does not exist on this gateway; GET /v1/models lists the models.",
                    param: "model")
            }
            modelLabel = model.name
            try caller.checkAllowed(model: model.name)
            let promptTokens = TokenEstimate.prompt(inbound.typed.messages)
            if let key = caller.key, let allowance = board.admitKey(id: key.id, rpm: key.rpm, tpm: key.tpm, tokens: promptTokens) {
                limitHeaders = Self.rateLimitHeaders(allowance)
                if let retryAfter = allowance.retryAfter {
                    let seconds = max(1, Int(retryAfter.components.seconds) + 1)
                    throw GatewayError(
                        .rateLimitExceeded, "This API key is over its \(Self.limitDescription(key)) limit; retry in \(seconds) s.",
                        retryAfterSeconds: seconds)
                }
            }
            let route = ForwardPlan(
                inbound: inbound, model: model, stickyKey: model.sticky == .user ? inbound.typed.user ?? request.headers[.shepherdUser] : nil,
                requestID: requestID, promptTokens: promptTokens, started: started, logger: logger)
            var response = try await forward(route, attempts: &attempts)
            response.headers.append(contentsOf: limitHeaders)
            if let key = caller.key, let usage = response.usage {
                board.settleKey(id: key.id, estimatedTokens: promptTokens, actualTokens: usage.totalTokens)
            }
            return response.http
        } catch {
            var failure = GatewayError.from(error)
            if case .requestTooLarge = failure.code {
                failure.message = "The request body is larger than this gateway's limit of \(config.server.maxBodyBytes / 1024 / 1024) MB (server.max_body_mb)."
            }
            GatewayMetrics.request(route: "chat", model: modelLabel, status: failure.status, duration: started.duration(to: .now))
            failure.log(to: logger, cause: error)
            var response = failure.response(requestID: requestID)
            if attempts.count > 0 { response.headers[.shepherdAttempts] = String(attempts.count) }
            response.headers.append(contentsOf: limitHeaders)
            return response
        }
    }

    /// OpenAI's `x-ratelimit-*` headers for a key with limits.
    static func rateLimitHeaders(_ allowance: ResilienceBoard.KeyAllowance) -> HTTPFields {
        var headers = HTTPFields()
        if let limit = allowance.limitRequests { headers[.rateLimitLimitRequests] = String(limit) }
        if let remaining = allowance.remainingRequests { headers[.rateLimitRemainingRequests] = String(remaining) }
        if let limit = allowance.limitTokens { headers[.rateLimitLimitTokens] = String(limit) }
        if let remaining = allowance.remainingTokens { headers[.rateLimitRemainingTokens] = String(remaining) }
        return headers
    }

    static func limitDescription(_ key: VirtualKey) -> String {
        [key.rpm.map { "\($0) requests/min" }, key.tpm.map { "\($0) tokens/min" }].compactMap { $0 }.joined(separator: " / ")
    }

    static func collectBody(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw GatewayError(.requestTooLarge, "The request body is larger than the gateway accepts.")
        }
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        return Array(buffer.readableBytesView)
    }
}

/// What one request's forwarding needs to know.
struct ForwardPlan {
    var inbound: InboundChatRequest
    var model: ModelConfig
    var stickyKey: String?
    var requestID: String
    var promptTokens: Int
    var started: ContinuousClock.Instant
    var logger: Logger
}

/// A response on its way out, with the usage the gateway learnt from it (non-streams).
struct ProxiedResponse {
    var http: Response
    var usage: Usage?

    var headers: HTTPFields {
        get { http.headers }
        set { http.headers = newValue }
    }
}
