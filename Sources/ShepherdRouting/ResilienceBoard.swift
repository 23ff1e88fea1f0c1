import Metrics
import ShepherdCore
import Synchronization

/// The live resilience state of a gateway: a circuit breaker per target, a pacer per
/// provider with `rpm`/`tpm`, and a limiter per virtual key. The state machines are pure;
/// this board holds them behind locks and feeds them the injected clock.
public final class ResilienceBoard: Sendable {
    public typealias Instant = ContinuousClock.Instant

    /// How long a request may wait in a provider's pacing queue, and how many may wait.
    public struct PacingLimits: Sendable {
        public var maxWait: Duration = .seconds(5)
        public var maxQueue: Int = 1_000
        public init() {}
    }

    private struct PacerSlot {
        var limiter: RateLimiter
        var waiting = 0
    }

    private let now: @Sendable () -> Instant
    private let breakers: Mutex<[TargetRef: CircuitBreaker]>
    private let pacers: Mutex<[String: PacerSlot]>
    private let keyLimiters = Mutex<[String: RateLimiter]>([:])
    private let pacing: PacingLimits
    /// `shepherd_breaker_state` per target, made once: breakers exist only for configured
    /// targets, and asking the metrics factory on every request costs a registry lookup.
    private let breakerGauges: [TargetRef: Gauge]

    public init(config: GatewayConfig, pacing: PacingLimits = PacingLimits(), now: @escaping @Sendable () -> Instant = { .now }) {
        self.now = now
        self.pacing = pacing
        var breakers: [TargetRef: CircuitBreaker] = [:]
        // A target shared by several models gets the policy of the first model that lists it.
        for model in config.models {
            for target in model.targets where breakers[target.ref] == nil {
                breakers[target.ref] = CircuitBreaker(policy: model.breaker)
            }
        }
        self.breakers = Mutex(breakers)
        breakerGauges = Dictionary(uniqueKeysWithValues: breakers.keys.map { target in
            (target, Gauge(label: "shepherd_breaker_state", dimensions: [("provider", target.provider), ("model", target.model)]))
        })
        var pacers: [String: PacerSlot] = [:]
        for provider in config.providers where provider.rpm != nil || provider.tpm != nil {
            pacers[provider.name] = PacerSlot(limiter: RateLimiter(requestsPerMinute: provider.rpm, tokensPerMinute: provider.tpm))
        }
        self.pacers = Mutex(pacers)
    }

    // MARK: Breakers

    public func admit(_ target: TargetRef) -> CircuitBreaker.Admission {
        let time = now()
        let (admission, state) = breakers.withLock { breakers -> (CircuitBreaker.Admission, CircuitBreaker.State?) in
            guard var breaker = breakers[target] else { return (.allowed, nil) }
            let admission = breaker.admit(now: time)
            breakers[target] = breaker
            return (admission, breaker.state)
        }
        if let state { publish(state, for: target) }
        return admission
    }

    public func record(_ target: TargetRef, success: Bool, probe: Bool) {
        let time = now()
        let state = breakers.withLock { breakers -> CircuitBreaker.State? in
            guard var breaker = breakers[target] else { return nil }
            breaker.record(success: success, probe: probe, now: time)
            breakers[target] = breaker
            return breaker.state
        }
        if let state { publish(state, for: target) }
    }

    public func release(_ target: TargetRef, probe: Bool) {
        breakers.withLock { breakers in breakers[target]?.release(probe: probe) }
    }

    public struct BreakerSnapshot: Sendable {
        public var state: String
        public var failureRate: Double
        public var windowCount: Int
        public var openForSeconds: Double?
    }

    public func breakerSnapshot(_ target: TargetRef) -> BreakerSnapshot? {
        let time = now()
        return breakers.withLock { breakers in
            guard let breaker = breakers[target] else { return nil }
            var openFor: Double?
            if case .open(let until) = breaker.state, until > time {
                openFor = Double(time.duration(to: until).components.seconds)
            }
            return BreakerSnapshot(state: breaker.state.name, failureRate: breaker.failureRate, windowCount: breaker.windowCount, openForSeconds: openFor)
        }
    }

    private func publish(_ state: CircuitBreaker.State, for target: TargetRef) {
        let value: Int64 =
            switch state {
            case .closed: 0
            case .open: 1
            case .halfOpen: 2
            }
        breakerGauges[target]?.record(value)
    }

    // MARK: Provider pacing

    public enum PaceDecision: Sendable, Equatable {
        /// Send after `wait`; when it is above zero the caller must call ``leaveQueue(_:)``
        /// after waiting.
        case go(wait: Duration)
        case full(retryAfter: Duration)
    }

    public func pace(provider: String, tokens: Int) -> PaceDecision {
        let time = now()
        return pacers.withLock { pacers in
            guard var slot = pacers[provider] else { return .go(wait: .zero) }
            defer { pacers[provider] = slot }
            if slot.waiting >= pacing.maxQueue { return .full(retryAfter: .seconds(1)) }
            switch slot.limiter.reserve(tokens: tokens, now: time, maxWait: pacing.maxWait) {
            case .granted(let wait):
                if wait > .zero { slot.waiting += 1 }
                return .go(wait: wait)
            case .rejected(let retryAfter):
                return .full(retryAfter: retryAfter)
            }
        }
    }

    public func leaveQueue(_ provider: String) {
        pacers.withLock { pacers in pacers[provider]?.waiting -= 1 }
    }

    /// Corrects a provider's token count once the upstream reported real usage.
    public func settlePacing(provider: String, estimatedTokens: Int, actualTokens: Int) {
        let time = now()
        pacers.withLock { pacers in pacers[provider]?.limiter.adjust(tokens: actualTokens - estimatedTokens, now: time) }
    }

    // MARK: Key limits

    public struct KeyAllowance: Sendable {
        public var limitRequests: Int?
        public var limitTokens: Int?
        public var remainingRequests: Int?
        public var remainingTokens: Int?
        /// Set when the key is over its limit.
        public var retryAfter: Duration?
    }

    /// Takes one request and `tokens` from a key's allowance, or refuses at once.
    public func admitKey(id: String, rpm: Int?, tpm: Int?, tokens: Int) -> KeyAllowance? {
        guard rpm != nil || tpm != nil else { return nil }
        let time = now()
        return keyLimiters.withLock { limiters in
            var limiter = limiters[id] ?? RateLimiter(requestsPerMinute: rpm, tokensPerMinute: tpm)
            if limiter.requestsPerMinute != rpm || limiter.tokensPerMinute != tpm {
                limiter = RateLimiter(requestsPerMinute: rpm, tokensPerMinute: tpm)
            }
            let decision = limiter.reserve(tokens: tokens, now: time, maxWait: .zero)
            limiters[id] = limiter
            let remaining = limiter.remaining(now: time)
            var allowance = KeyAllowance(limitRequests: rpm, limitTokens: tpm, remainingRequests: remaining.requests, remainingTokens: remaining.tokens)
            if case .rejected(let retryAfter) = decision { allowance.retryAfter = retryAfter }
            return allowance
        }
    }

    public func settleKey(id: String, estimatedTokens: Int, actualTokens: Int) {
        let time = now()
        keyLimiters.withLock { limiters in limiters[id]?.adjust(tokens: actualTokens - estimatedTokens, now: time) }
    }
}
