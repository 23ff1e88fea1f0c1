import Foundation

/// A sum of exact USD costs and how many of the requests had a price at all: an unpriced
/// request must not count as free when costs per request are compared.
public struct CostTally: Sendable, Equatable {
    public private(set) var usd: Decimal = 0
    public private(set) var priced = 0

    public init() {}

    public init(usd: Decimal, priced: Int) {
        self.usd = usd
        self.priced = priced
    }

    public mutating func add(_ cost: Decimal?) {
        guard let cost, !cost.isNaN else { return }
        usd += cost
        priced += 1
    }

    /// The mean cost of the priced requests; nil when none was priced.
    public var perRequest: Decimal? { priced == 0 ? nil : usd / Decimal(priced) }
}

extension CostTally: Codable {
    private enum CodingKeys: String, CodingKey { case usd, priced }

    // The amount travels as a decimal string: a JSON number would go through Double on
    // some decoders and stop being exact.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .usd)
        guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), !value.isNaN else {
            throw DecodingError.dataCorruptedError(forKey: .usd, in: container, debugDescription: "not a decimal: \(text)")
        }
        usd = value
        priced = try container.decode(Int.self, forKey: .priced)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(usd.description, forKey: .usd)
        try container.encode(priced, forKey: .priced)
    }
}

extension Decimal {
    /// For ratios shown to people and compared with a Double threshold.
    var approximateDouble: Double { NSDecimalNumber(decimal: self).doubleValue }
}
