import Foundation
import Testing

@testable import ShepherdCore
@testable import ShepherdRouting

@Suite("Shadow comparison, summary and limiter")
struct ShadowTests {
    @Test("similarity of known texts")
    func similarity() {
        #expect(ShadowComparison.similarity("The cat sat.", "the CAT, sat!") == 1)
        #expect(ShadowComparison.similarity("alpha beta", "gamma delta") == 0)
        // {a:1, b:1} · {a:1, c:1} = 1 over √2·√2.
        #expect(abs(ShadowComparison.similarity("a b", "a c") - 0.5) < 1e-12)
        // {x:2, y:1} · {x:1} = 2 over √5·1.
        #expect(abs(ShadowComparison.similarity("x y x", "x") - 2 / 5.0.squareRoot()) < 1e-12)
        #expect(ShadowComparison.similarity("", "") == 1)
        #expect(ShadowComparison.similarity("...", "words") == 0)
        // Accented words are lowercased too; Han characters count one by one.
        #expect(ShadowComparison.similarity("Élan Vital", "élan vital") == 1)
        #expect(abs(ShadowComparison.similarity("天气很好", "天气不好") - 0.75) < 1e-12)
    }

    @Test("a comparison: finish reason, length ratio, similarity")
    func comparison() {
        let same = ShadowComparison(primary: "Paris is the capital.", candidate: "Paris is the capital.", primaryFinishReason: "stop", candidateFinishReason: "stop")
        #expect(same == ShadowComparison(sameFinishReason: true, lengthRatio: 1, similarity: 1))
        let cut = ShadowComparison(primary: "abcd", candidate: "ab", primaryFinishReason: "stop", candidateFinishReason: "length")
        #expect(!cut.sameFinishReason && cut.lengthRatio == 0.5)
        #expect(ShadowComparison.lengthRatio(primary: "", candidate: "") == 1)
        #expect(ShadowComparison.lengthRatio(primary: "", candidate: "abc") == 3)
        #expect(ShadowComparison.lengthRatio(primary: "né", candidate: "nénéné") == 3)
    }

    @Test("10 KB answers compare quickly")
    func largeAnswers() {
        let words = ["model", "gateway", "latency", "token", "cost", "answer", "route", "shadow"]
        let primary = (0..<1700).map { words[$0 % words.count] }.joined(separator: " ")
        let candidate = (0..<1700).map { words[($0 * 7) % 5] }.joined(separator: " ")
        #expect(primary.utf8.count > 10_000)
        let clock = ContinuousClock()
        var similarity = 0.0
        let elapsed = clock.measure {
            for _ in 0..<10 { similarity = ShadowComparison.similarity(primary, candidate) }
        }
        #expect(similarity > 0.5 && similarity < 1)
        // Generous for a debug build on a busy machine; a release build takes well under 1 ms each.
        #expect(elapsed < .seconds(2))
    }

    @Test("summary arithmetic")
    func summary() throws {
        var summary = ShadowSummary()
        #expect(summary.candidateErrorRate == nil && summary.meanSimilarity == nil && summary.p50Similarity == nil)
        let comparisons = [
            ShadowComparison(sameFinishReason: true, lengthRatio: 1.0, similarity: 0.9),
            ShadowComparison(sameFinishReason: false, lengthRatio: 0.5, similarity: 0.5),
            ShadowComparison(sameFinishReason: true, lengthRatio: 1.5, similarity: 0.7),
        ]
        for (index, comparison) in comparisons.enumerated() {
            summary.record(
                candidateSucceeded: true, candidateLatencyMs: Double(100 * (index + 1)), candidateCostUSD: Decimal(string: "0.001"),
                primaryCostUSD: Decimal(string: "0.002"), comparison: comparison)
        }
        summary.record(candidateSucceeded: false, candidateLatencyMs: 5000, candidateCostUSD: nil, comparison: nil)
        #expect(summary.count == 4 && summary.compared == 3)
        #expect(summary.candidateErrorRate == 0.25)
        #expect(abs((summary.meanSimilarity ?? 0) - 0.7) < 1e-12)
        #expect(summary.p50Similarity == 0.7)
        #expect(abs((summary.finishReasonAgreementRate ?? 0) - 2.0 / 3) < 1e-12)
        #expect(summary.meanLengthRatio == 1.0)
        #expect(summary.candidateLatencyP50Ms.map { abs($0 - 200) <= 2 } == true)
        #expect(summary.candidateLatencyP99Ms == 5000)
        #expect(summary.candidateCostUSD == Decimal(string: "0.003"))
        #expect(summary.candidateCost.priced == 3 && summary.primaryCost.usd == Decimal(string: "0.006"))

        let data = try JSONEncoder().encode(summary)
        #expect(try JSONDecoder().decode(ShadowSummary.self, from: data) == summary)
    }

    @Test("the limiter never lets more than its bound through, even under contention")
    func limiter() async {
        let limiter = ShadowLimiter(maxConcurrent: 2)
        #expect(limiter.tryAcquire() && limiter.tryAcquire())
        #expect(!limiter.tryAcquire())
        #expect(limiter.dropped == 1 && limiter.inFlight == 2)
        limiter.release()
        #expect(limiter.tryAcquire())
        limiter.release()
        limiter.release()
        limiter.release()  // unpaired: must not make extra room
        #expect(limiter.inFlight == 0)

        let shared = ShadowLimiter(maxConcurrent: 4)
        let peak = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    guard shared.tryAcquire() else { return 0 }
                    let seen = shared.inFlight
                    await Task.yield()
                    shared.release()
                    return seen
                }
            }
            return await group.reduce(0) { max($0, $1) }
        }
        #expect(peak <= 4 && peak >= 1)
        #expect(shared.inFlight == 0)
    }

    @Test("the shadow plan mirrors its percent of requests")
    func sampling() {
        let plan = ShadowPlan(to: TargetRef(provider: "relay", model: "m"), percent: 10)
        let mirrored = (0..<1000).filter { plan.mirrors(random: Double($0) / 1000) }.count
        #expect(mirrored == 100)
    }
}

@Suite("Latency histogram")
struct LatencyHistogramTests {
    @Test("quantiles are within 1 % and exact at the ends")
    func quantiles() throws {
        var histogram = LatencyHistogram()
        #expect(histogram.p99Ms == nil)
        for value in 1...10_000 { histogram.record(Double(value)) }
        let p50 = try #require(histogram.p50Ms)
        let p99 = try #require(histogram.p99Ms)
        #expect(abs(p50 - 5000) / 5000 <= 0.01)
        #expect(abs(p99 - 9900) / 9900 <= 0.01)
        #expect(histogram.quantile(1) == 10_000 && histogram.quantile(0) == 1)
        #expect(histogram.meanMs == 5000.5)
        var single = LatencyHistogram()
        single.record(0.4)
        single.record(-3)
        #expect(single.p99Ms == 0.4 && single.minMs == 0)
        let data = try JSONEncoder().encode(histogram)
        #expect(try JSONDecoder().decode(LatencyHistogram.self, from: data) == histogram)
    }
}
