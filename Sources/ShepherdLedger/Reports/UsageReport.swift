import Foundation
import ShepherdCore

/// Ledger totals as `shepherd usage` prints them and `GET /admin/v1/usage` serves them. Costs
/// are exact decimal strings in every format, never floats.
public struct UsageReport: Sendable, Equatable {
    public var since: Date?
    public var groupBy: [UsageGrouping]
    public var rows: [UsageSummaryRow]
    public var total: UsageSummaryRow

    public init(since: Date?, groupBy: [UsageGrouping], rows: [UsageSummaryRow]) {
        self.since = since
        self.groupBy = groupBy
        self.rows = rows
        self.total = rows.total()
    }

    public static func load(from store: any LedgerStore, since: Date?, groupBy: [UsageGrouping]) async throws -> UsageReport {
        UsageReport(since: since, groupBy: groupBy, rows: try await store.usage(since: since, groupBy: groupBy))
    }

    /// `{"since": …|null, "group_by": […], "rows": [{"model": …, "requests": N, …, "cost_usd": "1.23"}], "total": {…}}`
    public func json() -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("since")
        if let since { writer.string(Self.timestamp(since)) } else { writer.null() }
        writer.key("group_by")
        writer.beginArray()
        for grouping in groupBy { writer.string(grouping.rawValue) }
        writer.endArray()
        writer.key("rows")
        writer.beginArray()
        for row in rows { Self.write(row, groupBy: groupBy, to: &writer) }
        writer.endArray()
        writer.key("total")
        Self.write(total, groupBy: [], to: &writer)
        writer.endObject()
        return writer.string
    }

    /// A header, one line per group and a `total` line.
    public func csv() -> String {
        let header = groupBy.map(\.rawValue) + Self.measureNames
        var lines = [header.joined(separator: ",")]
        for row in rows { lines.append((row.group + Self.measures(row)).map(Self.csvField).joined(separator: ",")) }
        let totalLabel = groupBy.isEmpty ? [] : ["total"] + Array(repeating: "", count: groupBy.count - 1)
        lines.append((totalLabel + Self.measures(total)).map(Self.csvField).joined(separator: ","))
        return lines.joined(separator: "\n")
    }

    /// Aligned columns for people, numbers right-aligned, with a TOTAL line.
    public func table() -> String {
        let header = groupBy.map { $0.rawValue.uppercased() } + Self.measureNames.map { $0.uppercased() }
        var body = rows.map { $0.group + Self.measures($0) }
        let totalLabel = groupBy.isEmpty ? [] : ["TOTAL"] + Array(repeating: "", count: groupBy.count - 1)
        body.append(totalLabel + Self.measures(total))
        let all = [header] + body
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index < groupBy.count ? cell + pad : pad + cell
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var lines = [line(header)]
        lines += body.dropLast().map(line)
        lines.append(String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1)))
        lines.append(line(body[body.count - 1]))
        return lines.joined(separator: "\n")
    }

    static let measureNames = ["requests", "input_tokens", "cached_input_tokens", "output_tokens", "cost_usd", "unpriced"]

    static func measures(_ row: UsageSummaryRow) -> [String] {
        [
            String(row.requests), String(row.inputTokens), String(row.cachedInputTokens), String(row.outputTokens),
            DecimalText.format(row.costUSD), String(row.unpricedRequests),
        ]
    }

    static func write(_ row: UsageSummaryRow, groupBy: [UsageGrouping], to writer: inout JSONWriter) {
        writer.beginObject()
        for (grouping, value) in zip(groupBy, row.group) {
            writer.key(grouping.rawValue)
            writer.string(value)
        }
        writer.key("requests"); writer.int(row.requests)
        writer.key("input_tokens"); writer.int(row.inputTokens)
        writer.key("cached_input_tokens"); writer.int(row.cachedInputTokens)
        writer.key("output_tokens"); writer.int(row.outputTokens)
        writer.key("cost_usd"); writer.string(DecimalText.format(row.costUSD))
        writer.key("unpriced"); writer.int(row.unpricedRequests)
        writer.endObject()
    }

    static func timestamp(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    static func csvField(_ value: String) -> String {
        value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }
}
