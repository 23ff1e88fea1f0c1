import Foundation

/// A running summary of a model's shadow traffic: how often the candidate failed, how
/// alike its answers were, how fast and how costly it was. Bounded in size and Codable,
/// so it is persisted as it grows and survives a restart.
public struct ShadowSummary: Sendable, Equatable, Codable {
    /// Mirrored requests whose candidate outcome is known.
    public private(set) var count = 0
    public private(set) var candidateErrors = 0
    /// Mirrored requests where both answers were compared.
    public private(set) var compared = 0
    public private(set) var similaritySum = 0.0
    /// Similarities in hundredths (index 0…100), for the median.
    private var similarityBuckets = [Int](repeating: 0, count: 101)
    public private(set) var finishReasonMatches = 0
    public private(set) var lengthRatioSum = 0.0
    public private(set) var candidateLatency = LatencyHistogram()
    public private(set) var candidateCost = CostTally()
    /// What the client's answers to the same requests cost, to compare like with like.
    public private(set) var primaryCost = CostTally()

    public init() {}

    /// One mirrored request. `comparison` is nil when the candidate failed or its answer
    /// could not be compared (e.g. a stream cut short).
    public mutating func record(
        candidateSucceeded: Bool, candidateLatencyMs: Double, candidateCostUSD: Decimal?,
        primaryCostUSD: Decimal? = nil, comparison: ShadowComparison?
    ) {
        count += 1
        if !candidateSucceeded { candidateErrors += 1 }
        candidateLatency.record(candidateLatencyMs)
        candidateCost.add(candidateCostUSD)
        primaryCost.add(primaryCostUSD)
        guard let comparison else { return }
        compared += 1
        let similarity = min(1, max(0, comparison.similarity.isFinite ? comparison.similarity : 0))
        similaritySum += similarity
        let bucket = Int((similarity * 100).rounded())
        // A decoded summary could carry a short array; never trap on it.
        if similarityBuckets.indices.contains(bucket) { similarityBuckets[bucket] += 1 }
        if comparison.sameFinishReason { finishReasonMatches += 1 }
        if comparison.lengthRatio.isFinite { lengthRatioSum += comparison.lengthRatio }
    }

    public var candidateErrorRate: Double? { count == 0 ? nil : Double(candidateErrors) / Double(count) }
    public var meanSimilarity: Double? { compared == 0 ? nil : similaritySum / Double(compared) }
    public var finishReasonAgreementRate: Double? { compared == 0 ? nil : Double(finishReasonMatches) / Double(compared) }
    public var meanLengthRatio: Double? { compared == 0 ? nil : lengthRatioSum / Double(compared) }
    public var candidateLatencyP50Ms: Double? { candidateLatency.p50Ms }
    public var candidateLatencyP99Ms: Double? { candidateLatency.p99Ms }
    public var candidateCostUSD: Decimal { candidateCost.usd }

    /// The median similarity to the nearest hundredth (nearest rank).
    public var p50Similarity: Double? {
        guard compared > 0 else { return nil }
        let rank = (compared + 1) / 2
        var seen = 0
        for (hundredths, bucketCount) in similarityBuckets.enumerated() {
            seen += bucketCount
            if seen >= rank { return Double(hundredths) / 100 }
        }
        return 1
    }
}
