import ShepherdCore

/// A circuit breaker as a pure state machine: it is told the time and the outcomes and
/// answers whether to send. Closed → open when the failure rate over the last `window`
/// outcomes (at least `min_requests` of them) reaches `failure_rate`; open → half-open
/// by itself once `open_s` has passed; half-open lets `half_open_probes` requests through
/// and closes when they all succeed, or opens again on the first failure.
public struct CircuitBreaker: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public enum State: Sendable, Equatable {
        case closed
        case open(until: Instant)
        case halfOpen(inFlight: Int, succeeded: Int)

        public var name: String {
            switch self {
            case .closed: "closed"
            case .open: "open"
            case .halfOpen: "half_open"
            }
        }
    }

    /// Whether a request may go, and whether it is one of the half-open probes.
    public enum Admission: Sendable, Equatable {
        case allowed
        case probe
        case rejected(retryAfter: Duration)
    }

    public let policy: BreakerPolicy
    public private(set) var state: State = .closed
    /// The last `window` outcomes of the closed state, oldest overwritten first.
    private var outcomes: [Bool] = []
    private var nextSlot = 0
    private var failures = 0

    public init(policy: BreakerPolicy) {
        self.policy = policy
        outcomes.reserveCapacity(policy.window)
    }

    public var failureRate: Double { outcomes.isEmpty ? 0 : Double(failures) / Double(outcomes.count) }
    public var windowCount: Int { outcomes.count }

    public mutating func admit(now: Instant) -> Admission {
        switch state {
        case .closed:
            return .allowed
        case .open(let until):
            guard now >= until else { return .rejected(retryAfter: now.duration(to: until)) }
            state = .halfOpen(inFlight: 0, succeeded: 0)
            return admit(now: now)
        case .halfOpen(let inFlight, let succeeded):
            // Probes already answered count toward the quota, so at most
            // `half_open_probes` requests reach a recovering upstream.
            guard inFlight + succeeded < policy.halfOpenProbes else { return .rejected(retryAfter: .seconds(1)) }
            state = .halfOpen(inFlight: inFlight + 1, succeeded: succeeded)
            return .probe
        }
    }

    /// Reports the outcome of a request this breaker admitted.
    public mutating func record(success: Bool, probe: Bool, now: Instant) {
        switch state {
        case .closed:
            guard !probe else { return }
            push(success)
            if outcomes.count >= policy.minRequests, failureRate >= policy.failureRate {
                trip(now: now)
            }
        case .halfOpen(let inFlight, let succeeded):
            // Answers to requests admitted before the breaker opened say nothing about
            // the upstream now; only probes decide.
            guard probe else { return }
            if !success {
                trip(now: now)
            } else if succeeded + 1 >= policy.halfOpenProbes {
                reset()
            } else {
                state = .halfOpen(inFlight: max(0, inFlight - 1), succeeded: succeeded + 1)
            }
        case .open:
            return
        }
    }

    /// A probe that ended without an outcome (the client went away): free its place.
    public mutating func release(probe: Bool) {
        guard probe, case .halfOpen(let inFlight, let succeeded) = state else { return }
        state = .halfOpen(inFlight: max(0, inFlight - 1), succeeded: succeeded)
    }

    private mutating func push(_ success: Bool) {
        let failed = !success
        if outcomes.count < policy.window {
            outcomes.append(failed)
        } else {
            if outcomes[nextSlot] { failures -= 1 }
            outcomes[nextSlot] = failed
        }
        nextSlot = (nextSlot + 1) % policy.window
        if failed { failures += 1 }
    }

    private mutating func trip(now: Instant) {
        state = .open(until: now.advanced(by: .milliseconds(Int64(policy.openSeconds * 1000))))
        clearWindow()
    }

    private mutating func reset() {
        state = .closed
        clearWindow()
    }

    private mutating func clearWindow() {
        outcomes.removeAll(keepingCapacity: true)
        nextSlot = 0
        failures = 0
    }
}
