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
    /// The attempt loop shared with the SDK; made once, with the gateway.
    let engine: RoutingEngine
    let authenticator: KeyAuthenticator
    let drain: DrainState
    let costs: CostCalculator
    let board: ResilienceBoard
    let accounting: Accounting
    let preflight: Preflight
    let rollouts: RolloutBoard
    let shadow: ShadowMirror

    func handle(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        // ErrorEnvelopeMiddleware has given every request an id.
        let requestID = context.requestID
        // The request id reaches log lines through GatewayLogging's metadata provider.
        let logger = context.logger
        var modelLabel = "unknown"
        var attempts = AttemptLog()
        var limitHeaders = HTTPFields()
        do {
            guard !drain.isDraining else {
                throw GatewayError(.shuttingDown, "The gateway is shutting down; retry on another instance.", retryAfterSeconds: 1)
            }
            let caller = try await authenticator.authenticate(bearer: request.headers[.authorization])
            let body = try await Self.collectBody(request, limit: config.server.maxBodyBytes)
            // A large body's decode, and its preflight count, take milliseconds of CPU: they run
            // off the connection's event loop so that its other connections are not held up.
            let heavy = body.count > Self.heavyBodyBytes
            let inbound = heavy ? try await offLoop { try InboundChatRequest(body: body) } : try InboundChatRequest(body: body)
            guard let model = engine.model(named: inbound.model) else {
                throw GatewayError(
                    .modelNotFound, "The model '\(inbound.model)' does not exist on this gateway; GET /v1/models lists the models.",
                    param: "model")
            }
            modelLabel = model.name
            try caller.checkAllowed(model: model.name)
            let sized: ContextFit.Decision
            if !heavy, let settled = preflight.decisionBySize(inbound, model: model) {
                sized = settled
            } else {
                sized = try await offLoop { try preflight.check(inbound, model: model) }
            }
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
            let reservation = try await accounting.reserve(
                key: caller.key, model: model, promptTokens: promptTokens,
                maxOutputTokens: inbound.typed.maxCompletionTokens ?? inbound.typed.maxTokens)
            let accounting = self.accounting
            let board = self.board
            let keyID = caller.key?.id
            let images = Self.imageCount(inbound.typed)
            let publicModel = model.name
            let requestLogger = logger
            let stickyKey = model.sticky == .user ? inbound.typed.user ?? request.headers[.shepherdUser] : nil
            let rollout = sized.model.name == model.name ? rollouts.decide(model: model.name, stickyKey: stickyKey) : nil
            let shadow = self.shadow
            let plan = ForwardPlan(
                inbound: inbound, model: sized.model, requiredTokens: sized.requiredTokens, stickyKey: stickyKey,
                rolloutOrder: rollout.map { RoutingEngine.rolloutOrder($0, model: sized.model) },
                requestID: requestID, promptTokens: promptTokens, started: started, logger: logger,
                streamFinished: { end in
                    // A stream ends after the handler has returned, outside its task.
                    await RequestIDs.$current.withValue(requestID) {
                        let usage: Usage
                        if let reported = end.outcome.usage {
                            usage = reported
                        } else {
                            // Counting the text may first load a vocabulary: not on the event loop.
                            usage = await offLoop {
                                Accounting.estimatedUsage(promptTokens: promptTokens, text: end.outcome.text, model: end.target.model)
                            }
                        }
                        let cost = await accounting.record(
                            Accounting.Outcome(
                                requestID: requestID, keyID: keyID, publicModel: publicModel, target: end.target, attempts: end.attempts,
                                status: end.outcome.status, usage: usage, estimated: end.outcome.usage == nil, images: images,
                                rolloutStep: rollout?.step,
                                firstByteMs: end.firstByteMs, totalMs: Self.milliseconds(since: started)),
                            logger: requestLogger
                        ).costUSD
                        await accounting.settle(reservation, actual: cost, logger: requestLogger)
                        if let keyID { board.settleKey(id: keyID, estimatedTokens: promptTokens, actualTokens: usage.totalTokens) }
                        if end.outcome.status == 200 {
                            shadow.mirror(
                                inbound, model: sized.model, requestID: requestID, keyID: keyID,
                                primary: .init(text: end.outcome.text, finishReason: end.outcome.finishReason, costUSD: cost), logger: requestLogger)
                        }
                    }
                })
            do {
                var response = try await forward(plan, attempts: &attempts)
                response.headers.append(contentsOf: limitHeaders)
                if !inbound.isStream {
                    // The row is committed before the client can have the answer.
                    let charge = await accounting.record(
                        Accounting.Outcome(
                            requestID: requestID, keyID: keyID, publicModel: publicModel, target: response.target,
                            attempts: attempts.count, status: 200, usage: response.usage, images: images, rolloutStep: rollout?.step,
                            firstByteMs: Self.milliseconds(since: started), totalMs: Self.milliseconds(since: started)),
                        logger: logger)
                    let cost = charge.costUSD
                    // The ledger's own figure, images included: the header and the row agree.
                    if charge.fullyPriced { response.headers[.shepherdCost] = CostCalculator.format(cost) }
                    await accounting.settle(reservation, actual: cost, logger: logger)
                    if let keyID, let usage = response.usage {
                        board.settleKey(id: keyID, estimatedTokens: promptTokens, actualTokens: usage.totalTokens)
                    }
                    if let body = response.body, shadow.wants(sized.model) {
                        let answer = ShadowMirror.Answer(completionBody: body, costUSD: cost)
                        shadow.mirror(inbound, model: sized.model, requestID: requestID, keyID: keyID, primary: answer, logger: logger)
                    }
                }
                return response.http
            } catch {
                let failure = GatewayError.from(error)
                await accounting.record(
                    Accounting.Outcome(
                        requestID: requestID, keyID: keyID, publicModel: publicModel, target: attempts.lastTarget,
                        attempts: attempts.count, status: failure.status, images: images, totalMs: Self.milliseconds(since: started)),
                    logger: logger)
                await accounting.settle(reservation, actual: 0, logger: logger)
                throw error
            }
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

    /// Bodies larger than this are decoded and preflighted off the event loop (``offLoop(_:)``).
    static let heavyBodyBytes = 64 * 1024

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

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        Int(start.duration(to: .now).nanoseconds / 1_000_000)
    }

    static func imageCount(_ request: ChatCompletionRequest) -> Int {
        request.messages.reduce(0) { count, message in
            guard case .parts(let parts) = message.content else { return count }
            return count + parts.filter { if case .imageURL = $0 { true } else { false } }.count
        }
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
    /// Tokens the request needs, when preflight counted them: smaller targets are skipped.
    var requiredTokens: Int?
    var stickyKey: String?
    /// Set while a rollout decides the order of the model's targets.
    var rolloutOrder: [Target]?
    var requestID: String
    var promptTokens: Int
    var started: ContinuousClock.Instant
    var logger: Logger
    /// Called when a relayed stream ends, before its last bytes reach the client.
    var streamFinished: @Sendable (StreamEnd) async -> Void
}

/// How a stream ended and who served it.
struct StreamEnd: Sendable {
    var outcome: StreamRelay.Outcome
    var target: Target
    var attempts: Int
    var firstByteMs: Int
}

/// A response on its way out, with the usage the gateway learnt from it (non-streams).
struct ProxiedResponse {
    var http: Response
    var usage: Usage?
    var target: Target
    /// A non-stream answer's bytes, for the shadow comparison.
    var body: ByteBuffer?

    var headers: HTTPFields {
        get { http.headers }
        set { http.headers = newValue }
    }
}
