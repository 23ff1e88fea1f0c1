import Foundation
import ShepherdCore

/// The audit as a table, JSON or CSV. `scan` supplies what was read (skips, shapes, times).
extension AuditReport {
    public func table(scan: LogScan) -> String {
        var sections: [String] = [Self.summary(scan)]
        sections.append(periodLine(scan))
        var models = TextTable(header: ["model", "priced_as", "requests", "input", "cached_input", "output", "cost_usd"],
                               leading: 2, totalRow: true)
        for target in targets { models.header += ["\(target)_usd", "saving_usd", "saving_%"] }
        for (row, isTotal) in rows.map({ ($0, false) }) + [(total, true)] {
            var cells = [row.usage.model, isTotal ? "" : row.pricedAs.description + (row.priced ? "" : " (unpriced)"),
                         String(row.usage.requests), String(row.usage.inputTokens), String(row.usage.cachedInputTokens),
                         String(row.usage.outputTokens), AuditFormat.money(row.cost)]
            for projected in row.projected {
                cells += [AuditFormat.money(projected), AuditFormat.money(row.cost - projected),
                          AuditFormat.percent(Saving.percent(from: row.cost, to: projected))]
            }
            models.rows.append(cells)
        }
        sections.append(models.render())
        if monthlyFactor != nil {
            var periods = TextTable(header: ["scenario", "log_usd", "monthly_usd", "annual_usd", "monthly_saving_usd", "annual_saving_usd", "saving_%"])
            periods.rows.append(["current", AuditFormat.money(total.cost), money(monthly(total.cost)), money(annual(total.cost)), "", "", ""])
            for (target, projected) in zip(targets, total.projected) {
                let saving = total.cost - projected
                periods.rows.append([target.description, AuditFormat.money(projected), money(monthly(projected)),
                                     money(annual(projected)), money(monthly(saving)), money(annual(saving)),
                                     AuditFormat.percent(Saving.percent(from: total.cost, to: projected))])
            }
            sections.append(periods.render())
        }
        let notes = Self.notes(scan) + unpricedReasons.map { "warning: \($0)" }
        if !notes.isEmpty { sections.append(notes.joined(separator: "\n")) }
        return sections.joined(separator: "\n\n")
    }

    private func money(_ value: Decimal?) -> String { value.map(AuditFormat.money) ?? "n/a" }

    // MARK: JSON

    /// One JSON object. Money is a string of exact decimal digits, as in `shepherd usage`.
    public func json(scan: LogScan) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("lines"); writer.int(scan.lines)
        writer.key("requests"); writer.int(scan.requests)
        writer.key("shapes"); writer.beginObject()
        for shape in LogShape.allCases { if let count = scan.shapes[shape] { writer.key(shape.rawValue); writer.int(count) } }
        writer.endObject()
        writer.key("skipped"); writer.beginArray()
        for (reason, tally) in scan.skipped.sorted(by: { $0.key < $1.key }) {
            writer.beginObject()
            writer.key("reason"); writer.string(reason.rawValue)
            writer.key("count"); writer.int(tally.count)
            writer.key("first_lines"); writer.beginArray(); tally.firstLines.forEach { writer.string($0) }; writer.endArray()
            writer.endObject()
        }
        writer.endArray()
        writer.key("first_time"); scan.earliest.map { writer.string(Self.date($0)) } ?? writer.null()
        writer.key("last_time"); scan.latest.map { writer.string(Self.date($0)) } ?? writer.null()
        writer.key("span_seconds"); spanSeconds.map { writer.string(DecimalText.format($0)) } ?? writer.null()
        writer.key("models"); writer.beginArray()
        for row in rows { write(row, isTotal: false, to: &writer) }
        writer.endArray()
        writer.key("total"); write(total, isTotal: true, to: &writer)
        writer.key("warnings"); writer.beginArray()
        (scan.warnings + unpricedReasons).forEach { writer.string($0) }
        writer.endArray()
        writer.endObject()
        return writer.string
    }

    private func write(_ row: Row, isTotal: Bool, to writer: inout JSONWriter) {
        func money(_ key: String, _ value: Decimal?) {
            writer.key(key)
            if let value { writer.string(CostCalculator.format(value)) } else { writer.null() }
        }
        writer.beginObject()
        writer.key("model"); writer.string(row.usage.model)
        if !isTotal {
            writer.key("priced_as"); writer.string(row.pricedAs.description)
            writer.key("priced"); writer.bool(row.priced)
        }
        writer.key("requests"); writer.int(row.usage.requests)
        writer.key("input_tokens"); writer.int(row.usage.inputTokens)
        writer.key("cached_input_tokens"); writer.int(row.usage.cachedInputTokens)
        writer.key("output_tokens"); writer.int(row.usage.outputTokens)
        money("cost_usd", row.cost)
        money("monthly_cost_usd", monthly(row.cost))
        money("annual_cost_usd", annual(row.cost))
        writer.key("targets"); writer.beginArray()
        for (target, projected) in zip(targets, row.projected) {
            writer.beginObject()
            writer.key("target"); writer.string(target.description)
            money("cost_usd", projected)
            money("saving_usd", row.cost - projected)
            writer.key("saving_percent")
            if let percent = Saving.percent(from: row.cost, to: projected) { writer.number(DecimalText.format(percent)) } else { writer.null() }
            money("monthly_cost_usd", monthly(projected))
            money("annual_cost_usd", annual(projected))
            money("monthly_saving_usd", monthly(row.cost - projected))
            money("annual_saving_usd", annual(row.cost - projected))
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }

    // MARK: CSV

    /// One row per model and a `total` row; target columns are prefixed with the target.
    /// Skips and warnings are not data rows: the caller prints ``notes(scan:)`` on stderr.
    public func csv() -> String {
        var header = ["model", "priced_as", "requests", "input_tokens", "cached_input_tokens", "output_tokens",
                      "cost_usd", "monthly_cost_usd", "annual_cost_usd"]
        for target in targets {
            header += ["cost_usd", "saving_usd", "saving_percent", "monthly_saving_usd", "annual_saving_usd"].map { "\(target)_\($0)" }
        }
        var lines = [header.map(UsageReport.csvField).joined(separator: ",")]
        for (row, isTotal) in rows.map({ ($0, false) }) + [(total, true)] {
            func money(_ value: Decimal?) -> String { value.map(CostCalculator.format) ?? "" }
            var cells = [row.usage.model, isTotal ? "" : row.pricedAs.description, String(row.usage.requests),
                         String(row.usage.inputTokens), String(row.usage.cachedInputTokens), String(row.usage.outputTokens),
                         money(row.cost), money(monthly(row.cost)), money(annual(row.cost))]
            for projected in row.projected {
                cells += [money(projected), money(row.cost - projected),
                          Saving.percent(from: row.cost, to: projected).map(DecimalText.format) ?? "",
                          money(monthly(row.cost - projected)), money(annual(row.cost - projected))]
            }
            lines.append(cells.map(UsageReport.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n")
    }

    /// Skips, warnings and the time span in lines for stderr, when the output is CSV.
    public func notes(scan: LogScan) -> [String] {
        [periodLine(scan)] + Self.notes(scan) + unpricedReasons.map { "warning: \($0)" }
    }

    /// What the monthly and annual figures rest on, or why there are none.
    public func periodLine(_ scan: LogScan) -> String {
        guard let earliest = scan.earliest else {
            return "No timestamps in the log: monthly and annual projections need them, so none are shown."
        }
        guard let spanSeconds, let monthlyFactor else {
            return "All timestamps are the same instant (\(Self.date(earliest))): the log spans no time, so no monthly or annual projection is shown."
        }
        let days = NSDecimalNumber(decimal: spanSeconds / 86_400).doubleValue
        var line = "Log spans \(Self.date(earliest)) to \(Self.date(scan.latest ?? earliest)) (\(String(format: "%.2f", days)) days); "
        line += "a month is 30.44 days, so monthly = log × \(String(format: "%.4f", NSDecimalNumber(decimal: monthlyFactor).doubleValue))."
        if scan.timedRequests < scan.requests {
            line += " \(scan.requests - scan.timedRequests) requests had no timestamp; they are counted but do not stretch the span."
        }
        return line
    }

    static func summary(_ scan: LogScan) -> String {
        let shapes = LogShape.allCases.compactMap { shape in scan.shapes[shape].map { "\(shape.rawValue) \($0)" } }
        let skipped = scan.skipped.values.reduce(0) { $0 + $1.count }
        var line = "Read \(scan.lines) lines: \(scan.requests) requests"
        if !shapes.isEmpty { line += " (\(shapes.joined(separator: ", ")))" }
        line += ", \(skipped) skipped."
        return line
    }

    static func notes(_ scan: LogScan) -> [String] {
        scan.skipped.sorted { $0.key < $1.key }.map { reason, tally in
            "skipped \(tally.count) lines: \(reason.rawValue) (first: \(tally.firstLines.joined(separator: ", ")))"
        } + scan.warnings.map { "warning: \($0)" }
    }

    static func date(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: seconds.rounded(.down)))
    }
}
