import Foundation
import Logging
import ShepherdCore
import ShepherdLedger
import ShepherdTokenizer

/// Money and records for the request path: budgets reserved before the upstream call and
/// settled after, and one ledger row per request, committed before the client has the
/// whole answer.
struct Accounting: Sendable {
    let writer: LedgerWriter
    let store: any LedgerStore
    let costs: CostCalculator
    var traffic: TrafficRecorder?

    /// Money set aside on a key for one request.
    typealias Reservation = BudgetReservation

    /// Reserves the most this request can cost on any of the model's targets, or refuses
    /// with 429 `budget_exceeded`.
    func reserve(key: VirtualKey?, model: ModelConfig, promptTokens: Int, maxOutputTokens: Int?) async throws -> Reservation? {
        guard let key, let budget = key.budgetUSD else { return nil }
        let amount = model.targets.map { costs.estimate(inputTokens: promptTokens, maxOutputTokens: maxOutputTokens, at: $0.ref) }.max() ?? 0
        let granted: Reservation?
        do {
            granted = try await store.reserve(keyID: key.id, amount: amount, limit: budget)
        } catch {
            throw GatewayError(.internalError, "The budget store could not be reached.")
        }
        guard let granted else {
            throw GatewayError(.budgetExceeded, "This API key has used its budget of $\(budget); ask an admin to raise it.")
        }
        return granted
    }

    func settle(_ reservation: Reservation?, actual: Decimal, logger: Logger) async {
        guard let reservation else { return }
        do {
            try await store.settle(reservation, actual: actual)
        } catch {
            logger.error("budget settlement failed", metadata: ["shepherd.key_id": "\(reservation.keyID)"])
        }
    }

    /// What one request did, for its ledger row.
    struct Outcome {
        var requestID: String
        var keyID: String?
        var publicModel: String
        var target: Target?
        var attempts: Int
        var status: Int
        var usage: Usage?
        /// Usage counted by the gateway because the upstream reported none.
        var estimated = false
        var images = 0
        var rolloutStep: Int?
        var firstByteMs: Int?
        var totalMs: Int
        var shadow = false
    }

    /// What a recorded request cost.
    struct Charge {
        var costUSD: Decimal
        /// Every part of its usage had a price: the cost is whole, and `x-shepherd-cost-usd` says it.
        var fullyPriced: Bool
    }

    /// The cost of an outcome and its row, committed before returning.
    @discardableResult
    func record(_ outcome: Outcome, logger: Logger) async -> Charge {
        let quote = outcome.target.flatMap { target in
            outcome.usage.map { costs.quote($0, media: MediaUnits(images: outcome.images), at: target.ref) }
        }
        traffic?.record(outcome, costUSD: quote?.costUSD ?? 0)
        let usage = outcome.usage
        let row = UsageRecord(
            id: outcome.requestID, keyID: outcome.keyID, publicModel: outcome.publicModel,
            provider: outcome.target?.provider ?? "", targetModel: outcome.target?.model ?? "",
            attempts: outcome.attempts, status: outcome.status, inputTokens: usage?.promptTokens ?? 0,
            cachedInputTokens: usage?.cachedTokens ?? 0, outputTokens: usage?.completionTokens ?? 0,
            imageCount: outcome.images, costUSD: quote?.costUSD ?? 0, priced: quote?.priced ?? (usage == nil),
            estimated: outcome.estimated, firstByteMs: outcome.firstByteMs, totalMs: outcome.totalMs, rolloutStep: outcome.rolloutStep,
            shadow: outcome.shadow)
        do {
            if outcome.shadow {
                writer.recordDetached(row)
            } else {
                try await writer.record(row)
            }
        } catch {
            logger.error("ledger write failed", metadata: ["shepherd.request_id": "\(outcome.requestID)"])
        }
        return Charge(costUSD: quote?.costUSD ?? 0, fullyPriced: quote?.priced ?? false)
    }

    /// Completion tokens of a stream whose upstream sent no usage, counted from its text.
    static func estimatedUsage(promptTokens: Int, text: String, model: String) -> Usage {
        let tokenizer = try? Tokenizer.load(Tokenizer.forModel(model) ?? .o200k_base)
        let completion = tokenizer?.count(text) ?? TokenEstimate.approximate(text)
        return Usage(promptTokens: promptTokens, completionTokens: completion)
    }
}
