import HTTPTypes
import Hummingbird
import Logging
import ShepherdCore
import ShepherdLedger
import ShepherdProviders
import ShepherdRouting

extension ChatProxy {
    /// Forwards through the shared ``RoutingEngine`` (targets in order, breakers, pacing,
    /// retries with backoff and deadline, fallbacks, rollout recording); this file only
    /// says how one attempt is made over HTTP and how its failures read.
    func forward(_ plan: ForwardPlan, attempts: inout AttemptLog) async throws -> ProxiedResponse {
        var trail = AttemptTrail()
        defer { attempts.replay(trail) }
        do {
            let routing = RoutingPlan(
                model: plan.model, stickyKey: plan.stickyKey, rolloutOrder: plan.rolloutOrder, promptTokens: plan.promptTokens,
                started: plan.started)
            return try await engine.run(
                routing, trail: &trail,
                eligible: { providers[$0.provider] != nil && preflight.fits($0, plan.requiredTokens) },
                classify: Self.verdict(on:),
                attempt: { try await attempt($0, plan: plan) }
            ).value
        } catch let failure as RoutingFailure {
            if let error = failure.gatewayError { throw error }
            var log = AttemptLog()
            log.replay(trail)
            throw log.finalError()
        }
    }

    /// How the engine treats an attempt's error.
    static func verdict(on error: any Error) -> AttemptVerdict {
        guard let failure = error as? UpstreamFailure else { return .abort }
        if failure.isClientFault {
            // The upstream is fine; the request is not. Retrying elsewhere would not help.
            return .clientFault(
                GatewayError(.invalidRequest, "The upstream \(failure.provider) rejected the request (\(failure.outcome)): \(failure.message)"))
        }
        return .failed(retryable: failure.isRetryable, retryAfterSeconds: failure.retryAfterSeconds)
    }

    /// One engine attempt over the target's provider, with the gateway's metrics and log line on failure.
    private func attempt(_ routed: RoutingAttempt, plan: ForwardPlan) async throws -> RoutedAnswer<ProxiedResponse> {
        let target = routed.target
        guard let provider = providers[target.provider] else {
            throw UpstreamFailure(provider: target.provider, model: target.model, kind: .transport, message: "no such provider")
        }
        let attemptStarted = ContinuousClock.now
        let call = UpstreamCall(request: plan.inbound, target: target, requestID: plan.requestID, deadline: routed.deadline, logger: plan.logger)
        do {
            let response = try await attempt(call, with: provider, plan: plan, attempts: routed.number)
            return RoutedAnswer(response, usage: response.usage, target: target)
        } catch let failure as UpstreamFailure {
            GatewayMetrics.upstream(
                provider: target.provider, model: target.model, outcome: failure.status.map(String.init) ?? "\(failure.kind)",
                duration: attemptStarted.duration(to: .now))
            plan.logger.debug(
                "upstream attempt failed",
                metadata: ["shepherd.provider": "\(target.provider)", "shepherd.outcome": "\(failure.outcome)"])
            throw failure
        }
    }

    /// One call: for a stream, waits for its first bytes (within the attempt's deadline),
    /// so that a failure before them can still be retried or fall back.
    private func attempt(_ call: UpstreamCall, with provider: any ChatProvider, plan: ForwardPlan, attempts: Int) async throws -> ProxiedResponse {
        let target = call.target
        var headers = HTTPFields()
        headers[.shepherdProvider] = target.provider
        headers[.shepherdModel] = target.model
        headers[.shepherdAttempts] = String(attempts)
        let attemptStarted = ContinuousClock.now
        let modelName = plan.model.name
        let started = plan.started
        if !call.request.isStream {
            guard case .complete(let body, let usage) = try await provider.complete(call) else {
                throw UpstreamFailure(provider: target.provider, model: target.model, kind: .invalidResponse, message: "a stream answered a non-stream request")
            }
            GatewayMetrics.upstream(provider: target.provider, model: target.model, outcome: "200", duration: attemptStarted.duration(to: .now))
            GatewayMetrics.request(route: "chat", model: modelName, status: 200, duration: started.duration(to: .now))
            headers[.contentType] = "application/json"
            // x-shepherd-cost-usd is set once the ledger has priced the request (ChatProxy.handle).
            return ProxiedResponse(http: Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body)), usage: usage, target: target, body: body)
        }
        // The text of a stream is read only when a shadow compares it, or when no usage comes.
        let keepsText = shadow.wants(plan.model)
        let (relay, first) = try await FirstBytes.within(call.deadline, target: target) {
            let reply = try await provider.complete(call)
            let stream: SSEByteStream
            switch reply {
            case .stream(let chunks): stream = chunks
            case .complete(let body, _):
                // An upstream that ignored `stream: true`: pass its single answer on as one event.
                stream = SSEByteStream { continuation in
                    var event = ByteBuffer(string: "data: ")
                    event.writeImmutableBuffer(body)
                    event.writeString("\n\ndata: [DONE]\n\n")
                    continuation.yield(event)
                    continuation.finish()
                }
            }
            let relay = StreamRelay(
                stream, target: target, hideUsageChunk: !call.request.clientWantsStreamUsage, keepsText: keepsText)
            return (relay, try await relay.first())
        }
        GatewayMetrics.upstream(provider: target.provider, model: target.model, outcome: "200", duration: attemptStarted.duration(to: .now))
        let firstByteMs = ChatProxy.milliseconds(since: started)
        let streamFinished = plan.streamFinished
        let response = relay.response(first: first, headers: headers, logger: plan.logger) { outcome in
            GatewayMetrics.request(route: "chat", model: modelName, status: outcome.status, duration: started.duration(to: .now))
            await streamFinished(StreamEnd(outcome: outcome, target: target, attempts: attempts, firstByteMs: firstByteMs))
        }
        return ProxiedResponse(http: response, usage: nil, target: target, body: nil)
    }
}

/// Races an upstream's first bytes against the attempt's deadline: streams are not bound
/// by the HTTP client's deadline (they may run long), so the wait for their start is.
enum FirstBytes {
    static func within(
        _ deadline: ContinuousClock.Instant, target: Target, _ operation: @escaping @Sendable () async throws -> (StreamRelay, ByteBuffer)
    ) async throws -> (StreamRelay, ByteBuffer) {
        guard let result = try await DeadlineRace.run(until: deadline, operation) else {
            throw UpstreamFailure(provider: target.provider, model: target.model, kind: .timeout, message: "no stream bytes before the attempt's deadline")
        }
        return result
    }
}

extension AttemptLog {
    /// Takes over the engine's record of a request's attempts.
    mutating func replay(_ trail: AttemptTrail) {
        for event in trail.events {
            switch event {
            case .began(let target): begin(target)
            case .failed(_, let error as UpstreamFailure): record(error)
            case .failed: break
            }
        }
    }
}
