import Foundation

/// A dimension `shepherd usage --group-by` can split totals by.
public enum UsageGrouping: String, Sendable, CaseIterable, Hashable {
    /// The public model clients asked for.
    case model
    case provider
    /// The virtual key id (`-` for requests without one).
    case key
    /// The UTC calendar day, `YYYY-MM-DD`.
    case day
}

/// Totals for one group of ledger rows (or for all of them, with no grouping).
public struct UsageSummaryRow: Sendable, Equatable {
    /// The group's value for each requested dimension, in the order asked.
    public var group: [String]
    public var requests: Int
    public var inputTokens: Int
    public var cachedInputTokens: Int
    public var outputTokens: Int
    public var costUSD: Decimal
    /// Rows whose cost is incomplete (unknown model or unit price).
    public var unpricedRequests: Int

    public init(
        group: [String], requests: Int = 0, inputTokens: Int = 0, cachedInputTokens: Int = 0, outputTokens: Int = 0,
        costUSD: Decimal = 0, unpricedRequests: Int = 0
    ) {
        self.group = group
        self.requests = requests
        self.inputTokens = inputTokens
        self.cachedInputTokens = cachedInputTokens
        self.outputTokens = outputTokens
        self.costUSD = costUSD
        self.unpricedRequests = unpricedRequests
    }

    /// Adds another row's totals into this one.
    public mutating func add(_ other: UsageSummaryRow) {
        requests += other.requests
        inputTokens += other.inputTokens
        cachedInputTokens += other.cachedInputTokens
        outputTokens += other.outputTokens
        costUSD += other.costUSD
        unpricedRequests += other.unpricedRequests
    }
}

extension UsageGrouping {
    /// The UTC day of a time, as the ledger groups it.
    static func day(of time: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: time)
        func padded(_ value: Int?, _ width: Int) -> String {
            let digits = String(value ?? 0)
            return String(repeating: "0", count: max(width - digits.count, 0)) + digits
        }
        return "\(padded(parts.year, 4))-\(padded(parts.month, 2))-\(padded(parts.day, 2))"
    }
}

extension Array where Element == UsageSummaryRow {
    /// Rows in a stable order: by group values, so reports and tests read the same each time.
    func sortedByGroup() -> [UsageSummaryRow] {
        sorted { $0.group.lexicographicallyPrecedes($1.group) }
    }

    /// One row adding up all of these.
    public func total() -> UsageSummaryRow {
        reduce(into: UsageSummaryRow(group: [])) { $0.add($1) }
    }
}
