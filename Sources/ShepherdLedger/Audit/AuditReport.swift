import Foundation
import ShepherdCore

/// What a log's traffic costs now and would cost on each target, in exact decimal USD.
public struct AuditReport: Sendable {
    public struct Row: Sendable, Equatable {
        public var usage: ModelUsage
        /// Where the model was priced: `provider/model`.
        public var pricedAs: TargetRef
        public var cost: Decimal
        /// False when the catalog had no (complete) price: `cost` is then a lower bound.
        public var priced: Bool
        /// The same tokens on each target, in the order of ``AuditReport/targets``.
        public var projected: [Decimal]
    }

    public var rows: [Row]
    public var total: Row
    public var targets: [TargetRef]
    /// From the log's first to its last timestamp; nil without timestamps.
    public var spanSeconds: Decimal?
    /// Multiplies the log's cost into a month's; nil when the log has no time span.
    public var monthlyFactor: Decimal?
    /// Lines with no price, for the report's warnings.
    public var unpricedReasons: [String]

    /// An average month: 365.25 / 12 days.
    public static let secondsPerMonth: Decimal = 2_629_800

    public init(scan: LogScan, targets: [TargetRef], calculator: CostCalculator) {
        self.targets = targets
        var reasons: [String] = []
        // Lines that name the provider and lines that do not can mean the same model; merging
        // by where they are priced gives one row per thing actually billed.
        var merged: [TargetRef: ModelUsage] = [:]
        for usage in scan.models.values {
            let pricedAs = Self.target(model: usage.model, provider: usage.provider, catalog: calculator.catalog)
            merged[pricedAs, default: ModelUsage(model: pricedAs.model, provider: pricedAs.provider)].add(usage)
        }
        rows = merged.map { pricedAs, usage in
            let quote = calculator.quote(usage.usage, at: pricedAs)
            if let reason = quote.unpricedReason { reasons.append(reason) }
            let projected = targets.map { calculator.quote(usage.usage, at: $0).costUSD }
            return Row(usage: usage, pricedAs: pricedAs, cost: quote.costUSD, priced: quote.priced, projected: projected)
        }
        .sorted { ($0.cost, $1.pricedAs.description) > ($1.cost, $0.pricedAs.description) }
        unpricedReasons = reasons.sorted()

        var total = Row(usage: ModelUsage(model: "total", provider: nil), pricedAs: TargetRef(provider: "", model: "total"),
                        cost: 0, priced: true, projected: targets.map { _ in 0 })
        for row in rows {
            total.usage.add(row.usage)
            total.cost += row.cost
            total.priced = total.priced && row.priced
            for index in targets.indices { total.projected[index] += row.projected[index] }
        }
        self.total = total

        if let span = scan.spanSeconds {
            // Milliseconds are as fine as log times go; rounding there keeps the Decimal short.
            let seconds = Decimal(Int64((span * 1000).rounded())) / 1000
            spanSeconds = seconds
            monthlyFactor = seconds > 0 ? Self.secondsPerMonth / seconds : nil
        }
    }

    /// How to price a model named in a log: the provider the line named, else the prefix of a
    /// `provider/model` name, else the provider the catalog files the model under.
    public static func target(model: String, provider: String?, catalog: PriceCatalog) -> TargetRef {
        if let provider { return TargetRef(provider: provider, model: model) }
        if let slash = model.firstIndex(of: "/"), slash != model.startIndex, model.index(after: slash) != model.endIndex {
            return TargetRef(provider: String(model[..<slash]), model: String(model[model.index(after: slash)...]))
        }
        return TargetRef(provider: catalog.lookup(model: model)?.price.provider ?? "", model: model)
    }

    public func monthly(_ cost: Decimal) -> Decimal? { monthlyFactor.map { cost * $0 } }
    public func annual(_ cost: Decimal) -> Decimal? { monthlyFactor.map { cost * $0 * 12 } }
}

/// Savings arithmetic shared by `audit` and `compare`.
public enum Saving {
    /// `from - to`: positive when `to` is cheaper.
    public static func amount(from: Decimal, to: Decimal) -> Decimal { from - to }

    /// The saving as a percentage of `from`, to one decimal; nil when `from` is zero.
    public static func percent(from: Decimal, to: Decimal) -> Decimal? {
        guard from != 0 else { return nil }
        var value = (from - to) / from * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 1, .plain)
        return rounded
    }
}

/// Money and token text for reports.
public enum AuditFormat {
    /// Exact to the micro-dollar, as every money column is shown: `12.345678`.
    public static func money(_ value: Decimal) -> String {
        var value = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 6, .plain)
        let text = NSDecimalNumber(decimal: rounded).stringValue
        // Always six places, so columns line up and 0.1 does not look like a rounded figure.
        guard let dot = text.firstIndex(of: ".") else { return text + ".000000" }
        let places = text.distance(from: dot, to: text.endIndex) - 1
        return text + String(repeating: "0", count: max(0, 6 - places))
    }

    public static func percent(_ value: Decimal?) -> String {
        guard let value else { return "n/a" }
        return NSDecimalNumber(decimal: value).stringValue + "%"
    }
}
