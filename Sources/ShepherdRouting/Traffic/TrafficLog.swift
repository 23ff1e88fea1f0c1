import Foundation

/// The last hour of client traffic per target in minute buckets: requests, errors, retries,
/// fallbacks, latency quantiles and cost. A ring of `minutes` slots, each reused when its
/// minute comes round again, so memory stays bounded however long the gateway runs; at most
/// `maxTargets` targets a minute are kept apart, the rest are counted under `otherTarget`.
public struct TrafficLog: Sendable {
    /// One finished client request.
    public struct Sample: Sendable, Equatable {
        public var target: String
        public var status: Int
        public var attempts: Int
        /// Served by a `fallbacks:` model rather than the requested one.
        public var fallback: Bool
        public var totalMs: Double
        public var costUSD: Decimal

        public init(target: String, status: Int, attempts: Int, fallback: Bool, totalMs: Double, costUSD: Decimal) {
            self.target = target
            self.status = status
            self.attempts = attempts
            self.fallback = fallback
            self.totalMs = totalMs
            self.costUSD = costUSD
        }
    }

    /// One target's figures over one or more minutes.
    public struct Figures: Sendable, Equatable {
        public var requests = 0
        /// Requests the client got a 5xx for.
        public var errors = 0
        /// Attempts beyond the first.
        public var retries = 0
        public var fallbacks = 0
        public var costUSD: Decimal = 0
        public var latency = TrafficLatency()

        public init() {}

        public var errorRate: Double? { requests == 0 ? nil : Double(errors) / Double(requests) }

        mutating func add(_ sample: Sample) {
            requests += 1
            if sample.status >= 500 { errors += 1 }
            retries += max(0, sample.attempts - 1)
            if sample.fallback { fallbacks += 1 }
            costUSD += sample.costUSD
            latency.record(sample.totalMs)
        }

        public mutating func merge(_ other: Figures) {
            requests += other.requests
            errors += other.errors
            retries += other.retries
            fallbacks += other.fallbacks
            costUSD += other.costUSD
            latency.merge(other.latency)
        }
    }

    /// One target over the window: a bucket per minute, oldest first, and their sum.
    public struct Series: Sendable, Equatable {
        public var target: String
        public var buckets: [Figures]
        public var total: Figures
    }

    public static let otherTarget = "(other)"

    public let minutes: Int
    public let maxTargets: Int
    private var slots: [(minute: Int, targets: [String: Figures])]

    public init(minutes: Int = 60, maxTargets: Int = 64) {
        self.minutes = max(1, minutes)
        self.maxTargets = max(1, maxTargets)
        slots = Array(repeating: (minute: Int.min, targets: [:]), count: self.minutes)
    }

    /// The minute a time falls in, counted from the epoch.
    public static func minute(of time: Date) -> Int {
        Int((time.timeIntervalSince1970 / 60).rounded(.down))
    }

    public mutating func record(_ sample: Sample, at time: Date) {
        let minute = Self.minute(of: time)
        let index = Self.slot(minute, count: minutes)
        if slots[index].minute != minute { slots[index] = (minute, [:]) }
        var target = sample.target
        if slots[index].targets[target] == nil, slots[index].targets.count >= maxTargets { target = Self.otherTarget }
        slots[index].targets[target, default: Figures()].add(sample)
    }

    /// The last `window` minutes up to and including the minute of `now`, by target
    /// (sorted by name); a minute with no traffic is an empty bucket.
    public func series(endingAt now: Date, window: Int? = nil) -> [Series] {
        let count = min(max(1, window ?? minutes), minutes)
        let last = Self.minute(of: now)
        let range = (last - count + 1)...last
        var byTarget: [String: [Figures]] = [:]
        for slot in slots where range.contains(slot.minute) {
            for (target, figures) in slot.targets {
                byTarget[target, default: Array(repeating: Figures(), count: count)][slot.minute - range.lowerBound] = figures
            }
        }
        return byTarget.keys.sorted().map { target in
            let buckets = byTarget[target] ?? []
            var total = Figures()
            buckets.forEach { total.merge($0) }
            return Series(target: target, buckets: buckets, total: total)
        }
    }

    static func slot(_ minute: Int, count: Int) -> Int {
        ((minute % count) + count) % count
    }
}

/// Latencies in log-spaced buckets (2 % wide), mergeable across minutes; sparse, so a
/// minute of steady traffic holds a few dozen entries.
public struct TrafficLatency: Sendable, Equatable {
    static let growth = 1.02
    private static let logGrowth = log(growth)
    private var buckets: [Int: Int] = [:]
    public private(set) var count = 0
    private var maxMs: Double = 0

    public init() {}

    public mutating func record(_ milliseconds: Double) {
        let value = milliseconds.isFinite ? max(0, milliseconds) : 0
        buckets[Self.bucket(of: value), default: 0] += 1
        count += 1
        maxMs = max(maxMs, value)
    }

    public mutating func merge(_ other: TrafficLatency) {
        for (bucket, hits) in other.buckets { buckets[bucket, default: 0] += hits }
        count += other.count
        maxMs = max(maxMs, other.maxMs)
    }

    /// Nearest-rank quantile to within a bucket's width (never above the largest value).
    public func quantile(_ fraction: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = max(1, Int((fraction * Double(count)).rounded(.up)))
        var seen = 0
        for bucket in buckets.keys.sorted() {
            seen += buckets[bucket, default: 0]
            if seen >= rank { return min(bucket == 0 ? 1 : pow(Self.growth, Double(bucket)), maxMs) }
        }
        return maxMs
    }

    static func bucket(of value: Double) -> Int {
        guard value > 1 else { return 0 }
        return max(1, Int((log(value) / logGrowth - 1e-9).rounded(.up)))
    }
}
