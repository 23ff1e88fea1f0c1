import ShepherdCore
import Testing

@testable import ShepherdRouting

@Suite("Backoff and rate limiting (manual clock)")
struct BackoffAndLimiterTests {
    let clock = ManualClock()

    @Test("full jitter stays within min(max, base × 2ⁿ); Retry-After is a floor")
    func backoff() {
        var policy = RetryPolicy()
        policy.baseMs = 100
        policy.maxMs = 1_000
        let backoff = Backoff(policy: policy)
        #expect(backoff.delay(retry: 0, random: 0.999) <= .milliseconds(100))
        #expect(backoff.delay(retry: 2, random: 0.5) == .milliseconds(200))
        #expect(backoff.delay(retry: 10, random: 0.999) <= .milliseconds(1_000))
        #expect(backoff.delay(retry: 3, random: 0) == .zero)
        #expect(backoff.delay(retry: 0, retryAfter: 2, random: 0.5) == .seconds(2))
        #expect(backoff.delay(retry: 63, random: 0.5) == .milliseconds(500))
    }

    @Test("a minute's requests may burst, then they are spaced evenly")
    func requestsPerMinute() {
        var limiter = RateLimiter(requestsPerMinute: 60, tokensPerMinute: nil)
        for _ in 0..<60 {
            #expect(limiter.reserve(tokens: 0, now: clock.now, maxWait: .zero) == .granted(wait: .zero))
        }
        #expect(limiter.remaining(now: clock.now).requests == 0)
        #expect(limiter.reserve(tokens: 0, now: clock.now, maxWait: .zero) == .rejected(retryAfter: .seconds(1)))
        #expect(limiter.reserve(tokens: 0, now: clock.now, maxWait: .seconds(5)) == .granted(wait: .seconds(1)))
        #expect(limiter.reserve(tokens: 0, now: clock.now, maxWait: .seconds(5)) == .granted(wait: .seconds(2)))
        clock.advance(by: .seconds(62))
        #expect(limiter.reserve(tokens: 0, now: clock.now, maxWait: .zero) == .granted(wait: .zero))
        clock.advance(by: .seconds(60))
        #expect(limiter.remaining(now: clock.now).requests == 60)
    }

    @Test("tokens per minute count the estimate and settle to the real usage")
    func tokensPerMinute() {
        var limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: 6_000)
        #expect(limiter.reserve(tokens: 5_000, now: clock.now, maxWait: .zero) == .granted(wait: .zero))
        #expect(limiter.reserve(tokens: 2_000, now: clock.now, maxWait: .zero) == .rejected(retryAfter: .seconds(10)))
        // The first request really used 3,000: 2,000 come back.
        limiter.adjust(tokens: -2_000, now: clock.now)
        #expect(limiter.reserve(tokens: 2_000, now: clock.now, maxWait: .zero) == .granted(wait: .zero))
        #expect(limiter.remaining(now: clock.now).tokens == 1_000)
    }

    @Test("a rejected reservation takes nothing")
    func rejectionIsFree() {
        var limiter = RateLimiter(requestsPerMinute: 1, tokensPerMinute: nil)
        #expect(limiter.reserve(tokens: 0, now: clock.now, maxWait: .zero) == .granted(wait: .zero))
        for _ in 0..<5 {
            #expect(limiter.reserve(tokens: 0, now: clock.now, maxWait: .zero) == .rejected(retryAfter: .seconds(60)))
        }
        clock.advance(by: .seconds(60))
        #expect(limiter.reserve(tokens: 0, now: clock.now, maxWait: .zero) == .granted(wait: .zero))
    }

    @Test("the board bounds a provider's pacing queue and refuses keys over their limit")
    func board() throws {
        var config = GatewayConfig(
            providers: [{ var p = ProviderConfig(name: "p", kind: .mock); p.rpm = 2; return p }()],
            models: [ModelConfig(name: "m", targets: [Target(provider: "p", model: "x")])])
        config.server.auth = .none
        var limits = ResilienceBoard.PacingLimits()
        limits.maxQueue = 1
        limits.maxWait = .seconds(60)
        let clock = self.clock
        let board = ResilienceBoard(config: config, pacing: limits, now: { clock.now })
        #expect(board.pace(provider: "p", tokens: 1) == .go(wait: .zero))
        #expect(board.pace(provider: "p", tokens: 1) == .go(wait: .zero))
        #expect(board.pace(provider: "p", tokens: 1) == .go(wait: .seconds(30)))
        #expect(board.pace(provider: "p", tokens: 1) == .full(retryAfter: .seconds(1)))
        board.leaveQueue("p")
        #expect(board.pace(provider: "other", tokens: 1) == .go(wait: .zero))

        let first = try #require(board.admitKey(id: "k", rpm: 1, tpm: nil, tokens: 10))
        #expect(first.retryAfter == nil && first.remainingRequests == 0 && first.limitRequests == 1)
        let second = try #require(board.admitKey(id: "k", rpm: 1, tpm: nil, tokens: 10))
        #expect(second.retryAfter == .seconds(60))
        #expect(board.admitKey(id: "free", rpm: nil, tpm: nil, tokens: 10) == nil)
    }
}
