import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ShepherdCore
import ShepherdLedger
import ShepherdProviders
import ShepherdRouting

/// `POST /v1/chat/completions`: authenticate, validate, pick a target, forward, and fall
/// back to the model's other targets and `fallbacks:` models when an attempt fails.
struct ChatProxy: Sendable {
    let config: GatewayConfig
    let providers: [String: any ChatProvider]
    let pickers: [String: TargetPicker]
    let authenticator: KeyAuthenticator
    let drain: DrainState
    let costs: CostCalculator

    func handle(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        // ErrorEnvelopeMiddleware has given every request an id.
        let requestID = context.requestID
        var logger = context.logger
        logger[metadataKey: "shepherd.request_id"] = "\(requestID)"
        var modelLabel = "unknown"
        var attempts = AttemptLog()
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
            let stickyKey = model.sticky == .user ? inbound.typed.user ?? request.headers[.shepherdUser] : nil
            return try await forward(
                inbound, model: model, stickyKey: stickyKey, requestID: requestID, attempts: &attempts, logger: logger, started: started)
        } catch {
            var failure = GatewayError.from(error)
            if case .requestTooLarge = failure.code {
                failure.message = "The request body is larger than this gateway's limit of \(config.server.maxBodyBytes / 1024 / 1024) MB (server.max_body_mb)."
            }
            GatewayMetrics.request(route: "chat", model: modelLabel, status: failure.status, duration: started.duration(to: .now))
            failure.log(to: logger, cause: error)
            var response = failure.response(requestID: requestID)
            if attempts.count > 0 { response.headers[.shepherdAttempts] = String(attempts.count) }
            return response
        }
    }

    private func forward(
        _ inbound: InboundChatRequest, model: ModelConfig, stickyKey: String?, requestID: String, attempts: inout AttemptLog,
        logger: Logger, started: ContinuousClock.Instant
    ) async throws -> Response {
        for candidate in [model.name] + model.fallbacks {
            guard let picker = pickers[candidate] else { continue }
            for target in picker.order(stickyKey: stickyKey) {
                guard let provider = providers[target.provider], let providerConfig = config.provider(named: target.provider) else { continue }
                attempts.begin()
                let attemptStarted = ContinuousClock.now
                let call = UpstreamCall(
                    request: inbound, target: target, requestID: requestID,
                    deadline: attemptStarted.advanced(by: .milliseconds(Int64(providerConfig.timeoutSeconds * 1000))), logger: logger)
                do {
                    let reply = try await provider.complete(call)
                    let headers = successHeaders(target: target, attempts: attempts.count)
                    switch reply {
                    case .complete(let body, let usage):
                        GatewayMetrics.upstream(provider: target.provider, model: target.model, outcome: "200", duration: attemptStarted.duration(to: .now))
                        GatewayMetrics.request(route: "chat", model: model.name, status: 200, duration: started.duration(to: .now))
                        var response = Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
                        response.headers[.contentType] = "application/json"
                        if let usage, let cost = costs.cost(of: usage, at: target.ref) {
                            response.headers[.shepherdCost] = CostCalculator.format(cost)
                        }
                        return response
                    case .stream(let stream):
                        let relay = StreamRelay(stream)
                        // Waiting for the first bytes lets a failure before them fall back to
                        // the next target instead of reaching the client.
                        let first = try await relay.first()
                        GatewayMetrics.upstream(provider: target.provider, model: target.model, outcome: "200", duration: attemptStarted.duration(to: .now))
                        return relay.response(first: first, headers: headers, logger: logger) { status in
                            GatewayMetrics.request(route: "chat", model: model.name, status: status, duration: started.duration(to: .now))
                        }
                    }
                } catch let failure as UpstreamFailure {
                    GatewayMetrics.upstream(provider: target.provider, model: target.model, outcome: failure.status.map(String.init) ?? "\(failure.kind)", duration: attemptStarted.duration(to: .now))
                    logger.debug("upstream attempt failed", metadata: ["shepherd.provider": "\(target.provider)", "shepherd.outcome": "\(failure.outcome)"])
                    if failure.isClientFault {
                        throw GatewayError(.invalidRequest, "The upstream \(target.provider) rejected the request (\(failure.outcome)): \(failure.message)")
                    }
                    attempts.record(failure)
                }
            }
        }
        throw attempts.finalError()
    }

    private func successHeaders(target: Target, attempts: Int) -> HTTPFields {
        var headers = HTTPFields()
        headers[.shepherdProvider] = target.provider
        headers[.shepherdModel] = target.model
        headers[.shepherdAttempts] = String(attempts)
        return headers
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
