import Foundation
import Testing

@testable import ShepherdRouting

@Suite("Traffic log: minute buckets over the last hour")
struct TrafficLogTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)  // on a minute boundary

    static func sample(_ target: String = "a/x", status: Int = 200, attempts: Int = 1, fallback: Bool = false, ms: Double = 10, cost: Decimal = 0.001)
        -> TrafficLog.Sample
    {
        TrafficLog.Sample(target: target, status: status, attempts: attempts, fallback: fallback, totalMs: ms, costUSD: cost)
    }

    @Test("requests land in their minute's bucket, oldest first, empty minutes included")
    func buckets() {
        var log = TrafficLog(minutes: 60)
        log.record(Self.sample(), at: Self.start)
        log.record(Self.sample(status: 502, attempts: 3), at: Self.start.addingTimeInterval(30))
        log.record(Self.sample(fallback: true), at: Self.start.addingTimeInterval(150))
        let series = log.series(endingAt: Self.start.addingTimeInterval(170), window: 5)
        #expect(series.count == 1)
        let buckets = series[0].buckets
        #expect(buckets.map(\.requests) == [0, 0, 2, 0, 1])
        #expect(buckets[2].errors == 1 && buckets[2].retries == 2 && buckets[2].errorRate == 0.5)
        #expect(buckets[4].fallbacks == 1)
        #expect(series[0].total.requests == 3 && series[0].total.costUSD == Decimal(string: "0.003"))
    }

    @Test("minutes older than the window are forgotten and their slots reused")
    func expiry() {
        var log = TrafficLog(minutes: 60)
        log.record(Self.sample(), at: Self.start)
        #expect(log.series(endingAt: Self.start.addingTimeInterval(59 * 60)).first?.total.requests == 1)
        #expect(log.series(endingAt: Self.start.addingTimeInterval(60 * 60)).isEmpty)
        // The same slot, an hour later: the old minute is replaced, not added to.
        log.record(Self.sample(), at: Self.start.addingTimeInterval(3600))
        #expect(log.series(endingAt: Self.start.addingTimeInterval(3600)).first?.total.requests == 1)
    }

    @Test("latency quantiles per minute and merged over the window")
    func quantiles() {
        var log = TrafficLog(minutes: 60)
        for index in 1...100 { log.record(Self.sample(ms: Double(index)), at: Self.start.addingTimeInterval(Double(index % 2) * 60)) }
        let total = log.series(endingAt: Self.start.addingTimeInterval(60))[0].total
        let p50 = total.latency.quantile(0.5) ?? 0
        let p99 = total.latency.quantile(0.99) ?? 0
        #expect(abs(p50 - 50) <= 1.5)
        #expect(abs(p99 - 99) <= 2.5)
        #expect(TrafficLatency().quantile(0.5) == nil)
    }

    @Test("targets beyond the cap are counted together")
    func boundedTargets() {
        var log = TrafficLog(minutes: 2, maxTargets: 2)
        for target in ["a/1", "b/2", "c/3", "d/4"] { log.record(Self.sample(target), at: Self.start) }
        let names = log.series(endingAt: Self.start).map(\.target)
        #expect(names == [TrafficLog.otherTarget, "a/1", "b/2"])
        #expect(log.series(endingAt: Self.start).first?.total.requests == 2)
    }
}
