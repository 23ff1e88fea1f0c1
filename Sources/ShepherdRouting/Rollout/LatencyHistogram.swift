import Foundation

/// Latencies in log-spaced buckets, so quantiles cost bounded memory however many requests
/// a step sees. Each bucket spans 1 %, so a quantile is within 1 % of the exact one (and
/// exact at the extremes, which are tracked separately): plenty for a p99 gate.
public struct LatencyHistogram: Sendable, Equatable {
    /// Bucket `b` holds values in (growth^(b-1), growth^b]; bucket 0 holds everything ≤ 1 ms.
    static let growth = 1.01
    private static let logGrowth = log(growth)

    /// Sparse: bucket index → count. At most ~2,100 buckets up to a day in milliseconds.
    private var buckets: [Int: Int] = [:]
    public private(set) var count = 0
    public private(set) var sumMs: Double = 0
    public private(set) var minMs: Double?
    public private(set) var maxMs: Double?

    public init() {}

    public mutating func record(_ milliseconds: Double) {
        // NaN or negative durations come from clock trouble, not from the upstream.
        let value = milliseconds.isFinite ? max(0, milliseconds) : 0
        buckets[Self.bucket(of: value), default: 0] += 1
        count += 1
        sumMs += value
        minMs = min(minMs ?? value, value)
        maxMs = max(maxMs ?? value, value)
    }

    public var meanMs: Double? { count == 0 ? nil : sumMs / Double(count) }

    /// The smallest recorded value that at least `fraction` of the values do not exceed
    /// (nearest rank), to within a bucket's width; nil when empty.
    public func quantile(_ fraction: Double) -> Double? {
        guard count > 0, let minMs, let maxMs else { return nil }
        let rank = max(1, Int((fraction * Double(count)).rounded(.up)))
        var seen = 0
        for bucket in buckets.keys.sorted() {
            seen += buckets[bucket, default: 0]
            if seen >= rank {
                let upper = bucket == 0 ? 1 : pow(Self.growth, Double(bucket))
                return min(max(upper, minMs), maxMs)
            }
        }
        return maxMs
    }

    public var p50Ms: Double? { quantile(0.5) }
    public var p99Ms: Double? { quantile(0.99) }

    static func bucket(of value: Double) -> Int {
        guard value > 1 else { return 0 }
        // The small epsilon keeps exact powers of the growth factor in their own bucket
        // despite rounding in `log`.
        return max(1, Int((log(value) / logGrowth - 1e-9).rounded(.up)))
    }
}

extension LatencyHistogram: Codable {
    private enum CodingKeys: String, CodingKey { case buckets, count, sumMs = "sum_ms", minMs = "min_ms", maxMs = "max_ms" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // Pairs rather than a dictionary: JSON objects cannot have integer keys.
        let pairs = try container.decode([[Int]].self, forKey: .buckets)
        for pair in pairs where pair.count == 2 { buckets[pair[0]] = pair[1] }
        count = try container.decode(Int.self, forKey: .count)
        sumMs = try container.decode(Double.self, forKey: .sumMs)
        minMs = try container.decodeIfPresent(Double.self, forKey: .minMs)
        maxMs = try container.decodeIfPresent(Double.self, forKey: .maxMs)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(buckets.keys.sorted().map { [$0, buckets[$0, default: 0]] }, forKey: .buckets)
        try container.encode(count, forKey: .count)
        try container.encode(sumMs, forKey: .sumMs)
        try container.encodeIfPresent(minMs, forKey: .minMs)
        try container.encodeIfPresent(maxMs, forKey: .maxMs)
    }
}
