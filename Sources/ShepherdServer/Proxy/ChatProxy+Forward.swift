import HTTPTypes
import Hummingbird
import Logging
import Metrics
import ShepherdCore
import ShepherdLedger
import ShepherdProviders
import ShepherdRouting

extension ChatProxy {
    /// Tries the model's targets in the picker's order, then each `fallbacks:` model's:
    /// an open breaker or a full pacing queue skips a target at once; a retryable failure
    /// is retried on the same target with full-jitter backoff (Retry-After as a floor)
    /// while the request's deadline allows, then the next target is tried.
    func forward(_ plan: ForwardPlan, attempts: inout AttemptLog) async throws -> ProxiedResponse {
        let deadline = plan.started.advanced(by: deadline(for: plan.model))
        var skippedByBreaker = 0
        var pacedRetryAfter: Duration?
        for (index, candidate) in ([plan.model.name] + plan.model.fallbacks).enumerated() {
            guard let candidateModel = config.model(named: candidate), let picker = pickers[candidate] else { continue }
            if index > 0, attempts.count > 0 || skippedByBreaker > 0 {
                Counter(label: "shepherd_fallbacks_total", dimensions: [("model", plan.model.name), ("to", candidate)]).increment()
            }
            let backoff = Backoff(policy: candidateModel.retry)
            let order = index == 0 ? plan.rolloutOrder ?? picker.order(stickyKey: plan.stickyKey) : picker.order(stickyKey: plan.stickyKey)
            targets: for target in order {
                guard let provider = providers[target.provider], let providerConfig = config.provider(named: target.provider),
                    preflight.fits(target, plan.requiredTokens)
                else { continue }
                for retry in 0..<candidateModel.retry.attempts {
                    let probe: Bool
                    switch board.admit(target.ref) {
                    case .rejected:
                        if retry == 0 { skippedByBreaker += 1 }
                        continue targets
                    case .probe: probe = true
                    case .allowed: probe = false
                    }
                    switch board.pace(provider: target.provider, tokens: plan.promptTokens) {
                    case .full(let retryAfter):
                        board.release(target.ref, probe: probe)
                        pacedRetryAfter = min(pacedRetryAfter ?? retryAfter, retryAfter)
                        continue targets
                    case .go(let wait) where wait > .zero:
                        defer { board.leaveQueue(target.provider) }
                        Metrics.Timer(label: "shepherd_pacing_wait_seconds", dimensions: [("provider", target.provider)]).recordNanoseconds(wait.nanoseconds)
                        guard ContinuousClock.now.advanced(by: wait) < deadline else {
                            board.release(target.ref, probe: probe)
                            pacedRetryAfter = min(pacedRetryAfter ?? wait, wait)
                            continue targets
                        }
                        do {
                            try await Task.sleep(for: wait)
                        } catch {
                            board.release(target.ref, probe: probe)
                            throw error
                        }
                    case .go: break
                    }
                    guard ContinuousClock.now < deadline else {
                        board.release(target.ref, probe: probe)
                        throw deadlinePassed(plan, attempts: attempts)
                    }
                    attempts.begin(target)
                    if retry > 0 {
                        Counter(label: "shepherd_retries_total", dimensions: [("provider", target.provider), ("model", target.model)]).increment()
                    }
                    let attemptStarted = ContinuousClock.now
                    let call = UpstreamCall(
                        request: plan.inbound, target: target, requestID: plan.requestID,
                        deadline: min(attemptStarted.advanced(by: .milliseconds(Int64(providerConfig.timeoutSeconds * 1000))), deadline),
                        logger: plan.logger)
                    do {
                        let response = try await attempt(call, with: provider, plan: plan, attempts: attempts.count)
                        board.record(target.ref, success: true, probe: probe)
                        if index == 0 {
                            rollouts.recordAttempt(
                                model: plan.model.name, target: target.ref, success: true,
                                latencyMs: Double(attemptStarted.duration(to: .now).nanoseconds) / 1e6,
                                costUSD: response.usage.flatMap { costs.cost(of: $0, at: target.ref) })
                        }
                        if let usage = response.usage {
                            board.settlePacing(provider: target.provider, estimatedTokens: plan.promptTokens, actualTokens: usage.totalTokens)
                        }
                        return response
                    } catch let failure as UpstreamFailure {
                        GatewayMetrics.upstream(
                            provider: target.provider, model: target.model, outcome: failure.status.map(String.init) ?? "\(failure.kind)",
                            duration: attemptStarted.duration(to: .now))
                        plan.logger.debug(
                            "upstream attempt failed",
                            metadata: ["shepherd.provider": "\(target.provider)", "shepherd.outcome": "\(failure.outcome)"])
                        if failure.isClientFault {
                            // The upstream is fine; the request is not. Retrying elsewhere would not help.
                            board.record(target.ref, success: true, probe: probe)
                            throw GatewayError(.invalidRequest, "The upstream \(target.provider) rejected the request (\(failure.outcome)): \(failure.message)")
                        }
                        board.record(target.ref, success: false, probe: probe)
                        if index == 0 {
                            rollouts.recordAttempt(
                                model: plan.model.name, target: target.ref, success: false,
                                latencyMs: Double(attemptStarted.duration(to: .now).nanoseconds) / 1e6, costUSD: nil)
                        }
                        attempts.record(failure)
                        guard failure.isRetryable, retry + 1 < candidateModel.retry.attempts else { continue targets }
                        let delay = backoff.delay(retry: retry, retryAfter: failure.retryAfterSeconds)
                        guard ContinuousClock.now.advanced(by: delay) < deadline else { continue targets }
                        try await Task.sleep(for: delay)
                    } catch {
                        board.release(target.ref, probe: probe)
                        throw error
                    }
                }
            }
        }
        if attempts.count == 0 {
            if let pacedRetryAfter {
                let seconds = max(1, Int(pacedRetryAfter.components.seconds) + 1)
                throw GatewayError(
                    .rateLimitExceeded, "Every provider for '\(plan.model.name)' is at its configured rate limit; retry in \(seconds) s.",
                    retryAfterSeconds: seconds)
            }
            if skippedByBreaker > 0 {
                throw GatewayError(
                    .noHealthyUpstream, "Every target of '\(plan.model.name)' is failing and its circuit breaker is open; retry shortly.",
                    retryAfterSeconds: 1)
            }
        }
        if ContinuousClock.now >= deadline { throw deadlinePassed(plan, attempts: attempts) }
        throw attempts.finalError()
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
            if let usage, let cost = costs.cost(of: usage, at: target.ref) {
                headers[.shepherdCost] = CostCalculator.format(cost)
            }
            return ProxiedResponse(http: Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body)), usage: usage, target: target, body: body)
        }
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
            let relay = StreamRelay(stream, target: target, hideUsageChunk: !call.request.clientWantsStreamUsage)
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

    private func deadline(for model: ModelConfig) -> Duration {
        if let seconds = model.retry.deadlineSeconds { return .milliseconds(Int64(seconds * 1000)) }
        let names = Set(([model] + model.fallbacks.compactMap { config.model(named: $0) }).flatMap { $0.targets.map(\.provider) })
        let longest = config.providers.filter { names.contains($0.name) }.map(\.timeoutSeconds).max() ?? 120
        return .milliseconds(Int64(longest * 2000))
    }

    private func deadlinePassed(_ plan: ForwardPlan, attempts: AttemptLog) -> GatewayError {
        let seconds = plan.started.duration(to: .now).components.seconds
        return GatewayError(
            .upstreamTimeout, "The request's deadline passed after \(seconds) s and \(attempts.count) attempt(s) for '\(plan.model.name)'.")
    }
}

/// Races an upstream's first bytes against the attempt's deadline: streams are not bound
/// by the HTTP client's deadline (they may run long), so the wait for their start is.
enum FirstBytes {
    static func within(
        _ deadline: ContinuousClock.Instant, target: Target, _ operation: @escaping @Sendable () async throws -> (StreamRelay, ByteBuffer)
    ) async throws -> (StreamRelay, ByteBuffer) {
        try await withThrowingTaskGroup(of: (StreamRelay, ByteBuffer)?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw UpstreamFailure(provider: target.provider, model: target.model, kind: .timeout, message: "no stream bytes before the attempt's deadline")
            }
            return result
        }
    }
}
