import Synchronization

/// Bounds the mirrored requests in flight, so a slow candidate cannot hold the gateway's
/// connections and memory. A mirror that finds no room is dropped, never queued: shadow
/// traffic is a sample and must not back up behind the candidate.
public final class ShadowLimiter: Sendable {
    private struct Counts {
        var inFlight = 0
        var dropped = 0
    }

    public let maxConcurrent: Int
    private let counts = Mutex(Counts())

    public init(maxConcurrent: Int) {
        self.maxConcurrent = max(0, maxConcurrent)
    }

    /// Takes a place if one is free; every `true` must be paired with one ``release()``.
    public func tryAcquire() -> Bool {
        counts.withLock { counts in
            guard counts.inFlight < maxConcurrent else {
                counts.dropped += 1
                return false
            }
            counts.inFlight += 1
            return true
        }
    }

    public func release() {
        counts.withLock { counts in
            // An unpaired release must not make room for more than `maxConcurrent`.
            counts.inFlight = max(0, counts.inFlight - 1)
        }
    }

    public var inFlight: Int { counts.withLock { $0.inFlight } }

    /// Mirrors refused since the start because the limit was reached (for metrics).
    public var dropped: Int { counts.withLock { $0.dropped } }
}
