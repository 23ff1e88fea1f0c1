import Foundation
import Logging
import NIOCore
import ShepherdCore
import ShepherdLedger
import ShepherdProviders
import ShepherdRouting

/// Mirrors a share of a model's requests to its `shadow:` candidate after the primary has
/// answered: the client's answer is never delayed or changed, a bounded number of mirrors
/// run at once (the rest are dropped and counted), and each mirror's status, latency,
/// usage and cost go to the ledger as a shadow row — not charged to the key's budget —
/// and its comparison with the primary answer into the model's shadow summary.
struct ShadowMirror: Sendable {
    let config: GatewayConfig
    let providers: [String: any ChatProvider]
    let accounting: Accounting
    let rollouts: RolloutBoard
    let limiter: ShadowLimiter

    /// What the primary answered.
    struct Answer: Sendable {
        var text: String
        var finishReason: String?
        var costUSD: Decimal?

        init(text: String, finishReason: String?, costUSD: Decimal?) {
            self.text = text
            self.finishReason = finishReason
            self.costUSD = costUSD
        }

        init(completionBody: ByteBuffer, costUSD: Decimal?) {
            let completion = try? JSONDecoder().decode(ChatCompletion.self, from: Data(completionBody.readableBytesView))
            let choice = completion?.choices.first
            self.init(text: choice?.message.content ?? "", finishReason: choice?.finishReason, costUSD: costUSD)
        }
    }

    func wants(_ model: ModelConfig) -> Bool { model.shadow != nil }

    func mirror(_ inbound: InboundChatRequest, model: ModelConfig, requestID: String, keyID: String?, primary: Answer, logger: Logger) {
        guard let plan = model.shadow, plan.mirrors(), let provider = providers[plan.to.provider],
            let providerConfig = config.provider(named: plan.to.provider)
        else { return }
        guard limiter.tryAcquire() else {
            logger.debug("shadow mirror dropped: too many in flight", metadata: ["shepherd.model": "\(model.name)"])
            return
        }
        let target = Target(provider: plan.to.provider, model: plan.to.model)
        let accounting = self.accounting
        let rollouts = self.rollouts
        let limiter = self.limiter
        Task.detached {
            defer { limiter.release() }
            let started = ContinuousClock.now
            let call = UpstreamCall(
                request: inbound, target: target, requestID: requestID,
                deadline: started.advanced(by: .milliseconds(Int64(providerConfig.timeoutSeconds * 1000))), logger: logger)
            var status = 200
            var candidate = Answer(text: "", finishReason: nil, costUSD: nil)
            var usage: Usage?
            do {
                switch try await provider.complete(call) {
                case .complete(let body, let reported):
                    candidate = Answer(completionBody: body, costUSD: nil)
                    usage = reported
                case .stream(let chunks):
                    var transcript = StreamTranscript(hideUsageChunk: false)
                    for try await chunk in chunks { _ = transcript.feed(chunk) }
                    _ = transcript.flush()
                    candidate = Answer(text: transcript.text, finishReason: transcript.finishReason, costUSD: nil)
                    usage = transcript.usage
                }
            } catch let failure as UpstreamFailure {
                status = failure.status ?? (failure.kind == .timeout ? 504 : 502)
            } catch {
                status = 502
            }
            let elapsedMs = Double(started.duration(to: .now).nanoseconds) / 1e6
            let cost = await accounting.record(
                Accounting.Outcome(
                    requestID: requestID, keyID: keyID, publicModel: model.name, target: target, attempts: 1, status: status,
                    usage: usage, totalMs: Int(elapsedMs), shadow: true),
                logger: logger
            ).costUSD
            let succeeded = status == 200
            let comparison = succeeded
                ? ShadowComparison(
                    primary: primary.text, candidate: candidate.text, primaryFinishReason: primary.finishReason,
                    candidateFinishReason: candidate.finishReason)
                : nil
            rollouts.recordShadow(model: model.name) { summary in
                summary.record(
                    candidateSucceeded: succeeded, candidateLatencyMs: elapsedMs, candidateCostUSD: usage == nil ? nil : cost,
                    primaryCostUSD: primary.costUSD, comparison: comparison)
            }
        }
    }
}
