import ServiceLifecycle
import Synchronization

/// Whether the gateway is shutting down: new requests get 503 while in-flight ones finish.
public final class DrainState: Sendable {
    private let draining = Atomic<Bool>(false)
    public init() {}
    public var isDraining: Bool { draining.load(ordering: .relaxed) }
    public func begin() { draining.store(true, ordering: .relaxed) }
}

/// Flips the drain state when graceful shutdown begins (SIGTERM, SIGINT).
struct DrainWatcher: Service {
    let state: DrainState
    func run() async throws {
        try? await gracefulShutdown()
        state.begin()
    }
}
