import ShepherdCore
import Testing

@testable import ShepherdRouting

@Suite("Circuit breaker (manual clock)")
struct CircuitBreakerTests {
    let clock = ManualClock()

    func policy(window: Int = 10, minRequests: Int = 4, rate: Double = 0.5, openSeconds: Double = 30, probes: Int = 2) -> BreakerPolicy {
        var policy = BreakerPolicy()
        policy.window = window
        policy.minRequests = minRequests
        policy.failureRate = rate
        policy.openSeconds = openSeconds
        policy.halfOpenProbes = probes
        return policy
    }

    @Test("stays closed below min_requests, opens when the rate is reached")
    func opens() {
        var breaker = CircuitBreaker(policy: policy())
        for _ in 0..<3 {
            #expect(breaker.admit(now: clock.now) == .allowed)
            breaker.record(success: false, probe: false, now: clock.now)
        }
        #expect(breaker.state == .closed)
        breaker.record(success: false, probe: false, now: clock.now)
        #expect(breaker.state.name == "open")
        guard case .rejected(let retryAfter) = breaker.admit(now: clock.now) else {
            Issue.record("an open breaker must reject")
            return
        }
        #expect(retryAfter == .seconds(30))
    }

    @Test("the window slides: old failures age out")
    func slidingWindow() {
        var breaker = CircuitBreaker(policy: policy(window: 4, minRequests: 4, rate: 0.75))
        for success in [false, false, true, true, true, true, false, false] {
            breaker.record(success: success, probe: false, now: clock.now)
            #expect(breaker.state == .closed)
        }
        #expect(breaker.failureRate == 0.5)
        breaker.record(success: false, probe: false, now: clock.now)
        #expect(breaker.state.name == "open")
    }

    @Test("recovers by itself: half-open after open_s, closed after the probes succeed")
    func recovers() {
        var breaker = CircuitBreaker(policy: policy())
        for _ in 0..<4 { breaker.record(success: false, probe: false, now: clock.now) }
        clock.advance(by: .seconds(29))
        #expect(breaker.admit(now: clock.now) != .allowed)
        clock.advance(by: .seconds(1))
        #expect(breaker.admit(now: clock.now) == .probe)
        #expect(breaker.admit(now: clock.now) == .probe)
        // Only `half_open_probes` requests reach a recovering upstream.
        #expect(breaker.admit(now: clock.now) == .rejected(retryAfter: .seconds(1)))
        breaker.record(success: true, probe: true, now: clock.now)
        #expect(breaker.state.name == "half_open")
        #expect(breaker.admit(now: clock.now) == .rejected(retryAfter: .seconds(1)))
        breaker.record(success: true, probe: true, now: clock.now)
        #expect(breaker.state == .closed)
        #expect(breaker.admit(now: clock.now) == .allowed)
        #expect(breaker.windowCount == 0)
    }

    @Test("a failed probe opens it again for a full open_s")
    func probeFails() {
        var breaker = CircuitBreaker(policy: policy())
        for _ in 0..<4 { breaker.record(success: false, probe: false, now: clock.now) }
        clock.advance(by: .seconds(30))
        #expect(breaker.admit(now: clock.now) == .probe)
        clock.advance(by: .seconds(5))
        breaker.record(success: false, probe: true, now: clock.now)
        #expect(breaker.state == .open(until: clock.now.advanced(by: .seconds(30))))
    }

    @Test("late answers from before the trip do not decide; released probes free their place")
    func lateAnswersAndRelease() {
        var breaker = CircuitBreaker(policy: policy(probes: 1))
        for _ in 0..<4 { breaker.record(success: false, probe: false, now: clock.now) }
        breaker.record(success: true, probe: false, now: clock.now)
        #expect(breaker.state.name == "open")
        clock.advance(by: .seconds(30))
        #expect(breaker.admit(now: clock.now) == .probe)
        breaker.record(success: true, probe: false, now: clock.now)
        #expect(breaker.state.name == "half_open")
        breaker.release(probe: true)
        #expect(breaker.admit(now: clock.now) == .probe)
        breaker.record(success: true, probe: true, now: clock.now)
        #expect(breaker.state == .closed)
    }
}
