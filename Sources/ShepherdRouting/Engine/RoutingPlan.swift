import Foundation
import ShepherdCore

/// What the engine needs to know of one request, whoever carries it (the gateway's proxy
/// or the SDK's in-process router).
public struct RoutingPlan: Sendable {
    /// The model that serves the request (after any context-window reroute).
    public var model: ModelConfig
    public var stickyKey: String?
    /// Set while a rollout decides the order of the model's own targets.
    public var rolloutOrder: [Target]?
    /// The prompt's estimated tokens, for provider pacing.
    public var promptTokens: Int
    public var started: ContinuousClock.Instant

    public init(
        model: ModelConfig, stickyKey: String? = nil, rolloutOrder: [Target]? = nil, promptTokens: Int,
        started: ContinuousClock.Instant = .now
    ) {
        self.model = model
        self.stickyKey = stickyKey
        self.rolloutOrder = rolloutOrder
        self.promptTokens = promptTokens
        self.started = started
    }
}

/// One attempt the engine asks its caller to make.
public struct RoutingAttempt: Sendable {
    public var target: Target
    /// 1 for the request's first attempt, counting every target and retry.
    public var number: Int
    /// 0 for the first try on this target.
    public var retry: Int
    /// When this attempt must have answered (for streams: begun answering) by.
    public var deadline: ContinuousClock.Instant
}

/// An attempt's answer and the usage it reported, for pacing, cost and rollout gates.
public struct RoutedAnswer<Value> {
    public var value: Value
    public var usage: Usage?
    public var target: Target

    public init(_ value: Value, usage: Usage?, target: Target) {
        self.value = value
        self.usage = usage
        self.target = target
    }
}

/// How the caller judges an error thrown by an attempt.
public enum AttemptVerdict: Sendable {
    /// The upstream is fine and the request is not: the breaker counts a success and this
    /// error ends the request, since no other target would answer differently.
    case clientFault(any Error)
    /// The upstream failed; `retryable` failures are retried on the same target with
    /// backoff (`retryAfterSeconds` as a floor), the others move on to the next target.
    case failed(retryable: Bool, retryAfterSeconds: Double?)
    /// Not an upstream outcome (cancellation, a bug): the request ends with this error.
    case abort
}

/// The attempts of one request, in order: what the caller needs for its final error, its
/// `x-shepherd-attempts` header and the ledger row of a failed request.
public struct AttemptTrail: Sendable {
    public enum Event: Sendable {
        case began(Target)
        case failed(Target, any Error)
    }

    public private(set) var events: [Event] = []
    public private(set) var count = 0
    public private(set) var lastTarget: Target?

    public init() {}

    mutating func begin(_ target: Target) {
        count += 1
        lastTarget = target
        events.append(.began(target))
    }

    mutating func fail(_ target: Target, _ error: any Error) { events.append(.failed(target, error)) }

    /// The failures, oldest first.
    public var failures: [any Error] {
        events.compactMap { if case .failed(_, let error) = $0 { error } else { nil } }
    }
}

/// Why the engine found no answer. The caller turns it into its own error (SPEC §4).
public struct RoutingFailure: Error, Sendable {
    public enum Reason: Sendable, Equatable {
        /// No attempt was made: every provider's pacing queue was full or too long.
        case paced(retryAfter: Duration)
        /// No attempt was made: every target's breaker was open.
        case breakersOpen
        /// The request's total deadline passed.
        case deadlinePassed
        /// Every attempt failed (the trail holds why).
        case exhausted
    }

    public var reason: Reason
    public var model: String
    public var attempts: Int
    public var elapsed: Duration

    /// The gateway's error for this failure when no attempt-specific error applies
    /// (SPEC §4: 429 paced, 503 breakers open, 504 deadline); nil for `.exhausted`.
    public var gatewayError: GatewayError? {
        switch reason {
        case .paced(let retryAfter):
            let seconds = max(1, Int(retryAfter.components.seconds) + 1)
            return GatewayError(
                .rateLimitExceeded, "Every provider for '\(model)' is at its configured rate limit; retry in \(seconds) s.",
                retryAfterSeconds: seconds)
        case .breakersOpen:
            return GatewayError(
                .noHealthyUpstream, "Every target of '\(model)' is failing and its circuit breaker is open; retry shortly.",
                retryAfterSeconds: 1)
        case .deadlinePassed:
            return GatewayError(
                .upstreamTimeout,
                "The request's deadline passed after \(elapsed.components.seconds) s and \(attempts) attempt(s) for '\(model)'.")
        case .exhausted:
            return nil
        }
    }
}
