import Foundation
import Shepherd
import ShepherdCore
import ShepherdLedger

/// What `shepherd analyze` prints: the estimate (the whole output of `--dry-run`), a
/// one-line preamble on stderr before the calls, and the answer with its bill.
struct AnalyzeReport {
    let plan: MapReducePlan
    let setup: AnalyzeSetup
    let checkpoint: URL
    let format: OutputFormat

    func printEstimate(saved: Int?) {
        let estimate = plan.estimate
        let cost = setup.pricing.cost(of: estimate.tally)
        if format == .json {
            var out = JSONWriter()
            out.beginObject()
            out.key("dry_run"); out.bool(true)
            out.key("model"); out.string(setup.model)
            out.key("encoding"); out.string(plan.tokenizer.encoding.rawValue)
            out.key("window"); out.int(setup.window)
            out.key("document_tokens"); out.int(plan.documentTokens)
            out.key("chunks"); out.int(estimate.chunks)
            out.key("chunk_tokens"); out.int(plan.settings.chunkTokens)
            out.key("calls"); calls(estimate, into: &out)
            out.key("tokens"); tally(estimate.tally, into: &out)
            costFields(cost, into: &out)
            out.key("checkpoint"); out.string(checkpoint.path)
            out.key("checkpointed"); out.int(saved ?? 0)
            out.endObject()
            print(out.string)
            return
        }
        let levels = estimate.reduceCallsPerLevel
        let reduce = levels.isEmpty
            ? "no reduce (the document fits one call)"
            : "\(grouped(estimate.reduceCalls)) reduce in \(levels.count) level\(levels.count == 1 ? "" : "s") "
                + "(\(levels.map(String.init).joined(separator: " → ")))"
        var lines = [
            ("document", "\(grouped(plan.documentTokens)) tokens (\(plan.tokenizer.encoding.rawValue))"),
            ("model", "\(setup.model), window \(grouped(setup.window)) tokens (\(setup.windowBasis))"),
            ("chunks", "\(grouped(estimate.chunks)) of at most \(grouped(plan.settings.chunkTokens)) tokens"
                + (plan.settings.overlap > 0 ? ", overlap \(plan.settings.overlap)" : "")),
            ("calls", "\(grouped(estimate.mapCalls)) map + \(reduce)"),
            ("tokens", "input ≈ \(grouped(estimate.inputTokens)), output ≤ \(grouped(estimate.outputTokens)) "
                + "(\(grouped(plan.settings.maxOutputTokens)) max per call)"),
            ("cost", cost.usd.map { "≈ $\(CostCalculator.format($0)), output at max_tokens — \(cost.basis)" } ?? cost.basis),
        ]
        if let saved, saved > 0 {
            lines.append(("checkpoint", "\(checkpoint.path): \(saved) calls already answered (--resume reuses them)"))
        } else {
            lines.append(("checkpoint", checkpoint.path))
        }
        for (label, value) in lines { print(label.padding(toLength: 12, withPad: " ", startingAt: 0) + value) }
    }

    func printPreamble(saved: Int, ignored: Int) {
        let estimate = plan.estimate
        let cost = setup.pricing.cost(of: estimate.tally)
        var line = "analyze: \(grouped(estimate.chunks)) chunks, \(grouped(estimate.mapCalls)) map + "
            + "\(grouped(estimate.reduceCalls)) reduce calls, input ≈ \(grouped(estimate.inputTokens)) tokens, cost "
            + (cost.usd.map { "≈ $\(CostCalculator.format($0))" } ?? "unpriced")
        if saved > 0 { line += "; \(saved) calls answered by the checkpoint" }
        if ignored > 0 { line += "; \(ignored) unreadable checkpoint line\(ignored == 1 ? "" : "s") skipped (a torn write)" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    func printOutcome(_ outcome: MapReduceOutcome) {
        // The gateway's own figure when it gave one for every call, else priced from the tokens.
        let cost: MapReducePricing.Cost
        if outcome.mapCalls + outcome.reduceCalls == 0 {
            cost = MapReducePricing.Cost(usd: 0, basis: "no call made: the checkpoint answered every one")
        } else if let reported = outcome.paidCostUSD {
            cost = MapReducePricing.Cost(usd: reported, basis: "as the gateway reported it in x-shepherd-cost-usd")
        } else {
            cost = setup.pricing.cost(of: outcome.paid)
        }
        if format == .json {
            var out = JSONWriter()
            out.beginObject()
            out.key("answer"); out.string(outcome.answer)
            out.key("model"); out.string(setup.model)
            out.key("chunks"); out.int(outcome.chunks)
            out.key("calls")
            out.beginObject()
            out.key("map"); out.int(outcome.mapCalls)
            out.key("reduce"); out.int(outcome.reduceCalls)
            out.key("reused"); out.int(outcome.reusedCalls)
            out.key("retries"); out.int(outcome.retries)
            out.endObject()
            out.key("reduce_levels"); out.int(outcome.reduceLevels)
            out.key("tokens"); tally(outcome.paid, into: &out)
            out.key("tokens_with_reused"); tally(outcome.total, into: &out)
            costFields(cost, into: &out)
            out.key("truncated_partials"); out.int(outcome.truncatedPartials)
            out.key("checkpoint"); out.string(checkpoint.path)
            out.endObject()
            print(out.string)
            return
        }
        print(outcome.answer)
        var line = "analyze: \(outcome.chunks) chunks; \(outcome.mapCalls) map + \(outcome.reduceCalls) reduce calls"
        if outcome.reusedCalls > 0 { line += " (\(outcome.reusedCalls) more answered by the checkpoint)" }
        if outcome.retries > 0 { line += ", \(outcome.retries) retries" }
        line += "; \(grouped(outcome.paid.input)) input + \(grouped(outcome.paid.output)) output tokens; cost "
            + (cost.usd.map { "$\(CostCalculator.format($0)) (\(cost.basis))" } ?? cost.basis)
        if outcome.truncatedPartials > 0 {
            line += "; \(outcome.truncatedPartials) partial results were truncated to fit a reduce call"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private func calls(_ estimate: MapReduceEstimate, into out: inout JSONWriter) {
        out.beginObject()
        out.key("map"); out.int(estimate.mapCalls)
        out.key("reduce"); out.int(estimate.reduceCalls)
        out.key("reduce_levels")
        out.beginArray()
        for calls in estimate.reduceCallsPerLevel { out.int(calls) }
        out.endArray()
        out.endObject()
    }

    private func tally(_ tally: TokenTally, into out: inout JSONWriter) {
        out.beginObject()
        out.key("input"); out.int(tally.input)
        out.key("output"); out.int(tally.output)
        out.endObject()
    }

    /// `cost_usd` as a decimal string (null when unpriced) and `cost_basis`.
    private func costFields(_ cost: MapReducePricing.Cost, into out: inout JSONWriter) {
        out.key("cost_usd")
        if let usd = cost.usd { out.string(CostCalculator.format(usd)) } else { out.null() }
        out.key("priced"); out.bool(cost.usd != nil)
        out.key("cost_basis"); out.string(cost.basis)
    }

    private func grouped(_ value: Int) -> String {
        value.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
    }
}
