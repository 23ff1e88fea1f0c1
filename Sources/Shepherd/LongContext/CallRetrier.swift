import AsyncHTTPClient
import ShepherdCore
import ShepherdRouting

/// Whether a failed call is worth trying again.
public enum RetryAdvice: Sendable, Hashable {
    /// Try again, after at least this many seconds when the server said so (`Retry-After`).
    case retry(afterSeconds: Double?)
    case fail
}

/// An error that knows whether the call that threw it may be retried (a client's typed
/// errors can adopt it; ``CallRetrier/defaultAdvice(for:)`` asks it first).
public protocol RetryAdvising: Error {
    var retryAdvice: RetryAdvice { get }
}

/// Runs a call again on retryable failures — 429, 5xx, timeouts, a dropped connection — with
/// full-jitter exponential backoff (ShepherdRouting's ``Backoff``), never sooner than a
/// `Retry-After` asked.
public struct CallRetrier: Sendable {
    /// Tries per call, the first included.
    public var attempts: Int
    public var backoff: Backoff
    public var advice: @Sendable (any Error) -> RetryAdvice
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(
        attempts: Int = 5, baseMs: Int = 500, maxMs: Int = 30_000,
        advice: @escaping @Sendable (any Error) -> RetryAdvice = CallRetrier.defaultAdvice(for:),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        var policy = RetryPolicy()
        policy.attempts = max(attempts, 1)
        policy.baseMs = baseMs
        policy.maxMs = maxMs
        self.attempts = policy.attempts
        self.backoff = Backoff(policy: policy)
        self.advice = advice
        self.sleep = sleep
    }

    /// `body`'s result and how many retries it took.
    public func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> (value: T, retries: Int) {
        var retry = 0
        while true {
            do {
                return (try await body(), retry)
            } catch {
                guard retry + 1 < attempts, case .retry(let after) = advice(error) else { throw error }
                try await sleep(backoff.delay(retry: retry, retryAfter: after))
                retry += 1
            }
        }
    }

    /// Retries rate limits, upstream and gateway faults and transport failures; not a
    /// request the server refused as wrong (400, 401, 403, 404, 413), a spent budget, a
    /// cancellation or an answer that would not decode.
    public static func defaultAdvice(for error: any Error) -> RetryAdvice {
        switch error {
        case is CancellationError, is DecodingError, is EncodingError: return .fail
        case let advising as any RetryAdvising: return advising.retryAdvice
        case let client as ShepherdError:
            guard client.isRetryable else { return .fail }
            switch client.kind {
            case .rateLimited(let after?), .noHealthyUpstream(let after?):
                let parts = after.components
                return .retry(afterSeconds: Double(parts.seconds) + Double(parts.attoseconds) / 1e18)
            default: return .retry(afterSeconds: nil)
            }
        case let gateway as GatewayError:
            switch gateway.code {
            case .rateLimitExceeded, .upstreamError, .noHealthyUpstream, .upstreamTimeout, .shuttingDown, .internalError:
                return .retry(afterSeconds: gateway.retryAfterSeconds.map(Double.init))
            default: return .fail
            }
        case let http as HTTPClientError:
            let unfixable: [HTTPClientError] = [.invalidURL, .emptyHost, .emptyScheme, .cancelled, .alreadyShutdown]
            return unfixable.contains(http) ? .fail : .retry(afterSeconds: nil)
        default:
            // Connection refused, reset and other transport errors surface as NIO's own types.
            return .retry(afterSeconds: nil)
        }
    }
}
