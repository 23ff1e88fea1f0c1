import Foundation
import ShepherdCore

/// A month of traffic: `usage` scaled by `monthlyFactor` (1 when the tokens are already per
/// month; a log's span factor when they come from a log). Scaling the cost rather than the
/// tokens keeps the result exact.
public struct UsageProfile: Sendable {
    public var usage: Usage
    public var monthlyFactor: Decimal

    public init(inputTokens: Int, cachedInputTokens: Int = 0, outputTokens: Int, monthlyFactor: Decimal = 1) {
        usage = Usage(promptTokens: inputTokens, completionTokens: outputTokens, cachedTokens: cachedInputTokens)
        self.monthlyFactor = monthlyFactor
    }

    /// The whole log's traffic; nil when the log has no time span to make a month of.
    public init?(report: AuditReport) {
        guard let factor = report.monthlyFactor else { return nil }
        let usage = report.total.usage
        self.init(inputTokens: usage.inputTokens, cachedInputTokens: usage.cachedInputTokens,
                  outputTokens: usage.outputTokens, monthlyFactor: factor)
    }
}

/// The seed's cost matrix: what a month and a year of the profile cost on each model, and the
/// saving against the first.
public struct CostComparison: Sendable {
    public struct Row: Sendable, Equatable {
        public var target: TargetRef
        public var monthly: Decimal
        public var annual: Decimal { monthly * 12 }
        public var priced: Bool
    }

    public var profile: UsageProfile
    public var rows: [Row]

    public init(profile: UsageProfile, targets: [TargetRef], calculator: CostCalculator) {
        self.profile = profile
        rows = targets.map { target in
            let quote = calculator.quote(profile.usage, at: target)
            return Row(target: target, monthly: quote.costUSD * profile.monthlyFactor, priced: quote.priced)
        }
    }

    public var baseline: Row? { rows.first }

    public func monthlySaving(_ row: Row) -> Decimal { (baseline?.monthly ?? 0) - row.monthly }
    public func percent(_ row: Row) -> Decimal? { Saving.percent(from: baseline?.monthly ?? 0, to: row.monthly) }

    public func table() -> String {
        var table = TextTable(header: ["model", "monthly_usd", "annual_usd", "monthly_saving_usd", "annual_saving_usd", "saving_%"])
        for row in rows {
            let saving = monthlySaving(row)
            table.rows.append([row.target.description + (row.priced ? "" : " (unpriced)"), AuditFormat.money(row.monthly),
                               AuditFormat.money(row.annual), AuditFormat.money(saving), AuditFormat.money(saving * 12),
                               AuditFormat.percent(percent(row))])
        }
        let usage = profile.usage
        let header = "Per month: \(usage.promptTokens) input tokens (\(usage.cachedTokens) cached), \(usage.completionTokens) output tokens"
            + (profile.monthlyFactor == 1 ? "" : " in the log, × \(AuditFormat.money(profile.monthlyFactor)) for a month")
            + ". Savings are against \(baseline?.target.description ?? "the first model")."
        return header + "\n\n" + table.render()
    }

    public func json() -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("input_tokens"); writer.int(profile.usage.promptTokens)
        writer.key("cached_input_tokens"); writer.int(profile.usage.cachedTokens)
        writer.key("output_tokens"); writer.int(profile.usage.completionTokens)
        writer.key("monthly_factor"); writer.string(CostCalculator.format(profile.monthlyFactor))
        writer.key("models"); writer.beginArray()
        for row in rows {
            writer.beginObject()
            writer.key("model"); writer.string(row.target.description)
            writer.key("priced"); writer.bool(row.priced)
            writer.key("monthly_cost_usd"); writer.string(CostCalculator.format(row.monthly))
            writer.key("annual_cost_usd"); writer.string(CostCalculator.format(row.annual))
            writer.key("monthly_saving_usd"); writer.string(CostCalculator.format(monthlySaving(row)))
            writer.key("annual_saving_usd"); writer.string(CostCalculator.format(monthlySaving(row) * 12))
            writer.key("saving_percent")
            if let percent = percent(row) { writer.number(DecimalText.format(percent)) } else { writer.null() }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.string
    }

    public func csv() -> String {
        var lines = ["model,monthly_cost_usd,annual_cost_usd,monthly_saving_usd,annual_saving_usd,saving_percent"]
        for row in rows {
            let saving = monthlySaving(row)
            lines.append([row.target.description, CostCalculator.format(row.monthly), CostCalculator.format(row.annual),
                          CostCalculator.format(saving), CostCalculator.format(saving * 12),
                          percent(row).map(DecimalText.format) ?? ""].map(UsageReport.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n")
    }
}

/// Token counts as people write them: `500M`, `1.5B`, `20k`, `1200`.
public enum TokenCount {
    public static func parse(_ text: String) -> Int? {
        var digits = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        var multiplier: Decimal = 1
        switch digits.last?.uppercased() {
        case "K": multiplier = 1_000
        case "M": multiplier = 1_000_000
        case "B", "G": multiplier = 1_000_000_000
        default: break
        }
        if multiplier != 1 { digits.removeLast() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            let value = Decimal(string: digits, locale: Locale(identifier: "en_US_POSIX"))
        else { return nil }
        let count = value * multiplier
        // Whole tokens only, and far below Int's range so sums cannot overflow.
        guard count <= 1_000_000_000_000_000, count == count.rounded() else { return nil }
        return NSDecimalNumber(decimal: count).intValue
    }
}

extension Decimal {
    fileprivate func rounded() -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, 0, .down)
        return result
    }
}
