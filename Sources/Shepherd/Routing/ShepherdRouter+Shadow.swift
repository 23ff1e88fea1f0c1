import Foundation
import ShepherdCore
import ShepherdProviders
import ShepherdRouting

extension ShepherdRouter {
    /// Mirrors a share of a model's calls to its `shadow:` candidate after the primary
    /// answered, as the gateway does: the caller's answer is never delayed, a bounded
    /// number of mirrors run at once, and each one lands in the model's shadow summary
    /// (and the ledger as a shadow row).
    func mirror(_ inbound: InboundChatRequest, model: ModelConfig, requestID: String, primary: ChatCompletion, primaryCost: Decimal?) {
        let record = CallRecord(requestID: requestID, inbound: inbound, model: model, step: nil, attempts: 1, started: .now)
        guard let plan = model.shadow, plan.mirrors(), let provider = providers[plan.to.provider],
            let providerConfig = config.provider(named: plan.to.provider), shadowLimiter.tryAcquire()
        else { return }
        let target = Target(provider: plan.to.provider, model: plan.to.model)
        let limiter = shadowLimiter
        let logger = self.logger
        Task.detached { [self] in
            defer { limiter.release() }
            let started = ContinuousClock.now
            let call = UpstreamCall(
                request: inbound, target: target, requestID: requestID,
                deadline: started.advanced(by: .milliseconds(Int64(providerConfig.timeoutSeconds * 1000))), logger: logger)
            let candidate = try? await Self.completion(from: provider.complete(call), target: target)
            let elapsedMs = Double(RoutingEngine.nanoseconds(started.duration(to: .now))) / 1e6
            let cost = candidate?.usage.flatMap { costs.cost(of: $0, at: target.ref) }
            await self.record(record, target: target, status: candidate == nil ? 502 : 200, usage: candidate?.usage, cost: cost, shadow: true)
            let comparison = candidate.map {
                ShadowComparison(
                    primary: primary.text ?? "", candidate: $0.text ?? "", primaryFinishReason: primary.choices.first?.finishReason,
                    candidateFinishReason: $0.choices.first?.finishReason)
            }
            rollouts.recordShadow(model: model.name) { summary in
                summary.record(
                    candidateSucceeded: candidate != nil, candidateLatencyMs: elapsedMs, candidateCostUSD: cost,
                    primaryCostUSD: primaryCost, comparison: comparison)
            }
        }
    }
}
