import Foundation
import Logging
import ServiceLifecycle
import ShepherdCore
import ShepherdLedger
import ShepherdRouting
import Synchronization

/// Drives the rollouts: judges their gates every `interval`, and writes their state, every
/// decision and the shadow summaries to the store, so a restarted gateway resumes where it
/// was and the history survives.
struct RolloutService: Service {
    let board: RolloutBoard
    let store: (any RolloutStateStore)?
    let interval: Duration
    let logger: Logger
    /// Set once ``restore(config:)`` has run: until then the loop saves nothing, or its first
    /// save (of fresh state) could land before the saved state is read back and replace it.
    let restored = RestoreSignal()

    func run() async throws {
        guard !board.models.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        // Graceful shutdown cancels the loop (and its sleep); the state is saved once more.
        try? await cancelWhenGracefulShutdown {
            while !restored.isSet { try await Task.sleep(for: .milliseconds(5)) }
            while !Task.isCancelled {
                await tick()
                try await Task.sleep(for: interval)
            }
        }
        if restored.isSet { await persist(events: []) }
    }

    func tick() async {
        let events = board.evaluate()
        for event in events {
            logger.notice("rollout \(event.kind.rawValue)", metadata: ["shepherd.model": "\(event.model)", "shepherd.detail": "\(event)"])
        }
        await persist(events: events)
    }

    /// Saves state, events and shadow summaries; a store failure is logged, never fatal.
    func persist(events: [RolloutEvent]) async {
        guard let store else { return }
        do {
            for event in events {
                try await store.append(event: try .init(model: event.model, time: event.time, kind: event.kind.rawValue, encoding: event))
            }
            for (model, state) in board.states() { try await store.save(model: model, state: state) }
            for (model, summary) in board.shadowSummaries() { try await store.saveShadow(model: model, summary: summary) }
        } catch {
            logger.error("could not save rollout state", metadata: ["shepherd.error": "\(error)"])
        }
    }

    /// Puts back what the store remembers from before a restart (before the server starts).
    func restore(config: GatewayConfig) async {
        defer { restored.set() }
        guard let store else { return }
        for model in config.models {
            if let plan = model.rollout, let state = await load(model.name, from: store) {
                if !board.restore(model: model.name, plan: plan, state: state) {
                    logger.warning("the saved rollout no longer matches the config; starting it anew", metadata: ["shepherd.model": "\(model.name)"])
                }
            }
            if model.shadow != nil, let summary = try? await store.loadShadow(model: model.name, as: ShadowSummary.self) {
                board.restoreShadow(model: model.name, summary: summary)
            }
        }
    }

    /// The saved state, or nil; a store that cannot be read is logged (the rollout then starts
    /// anew) rather than passed over in silence.
    private func load(_ model: String, from store: any RolloutStateStore) async -> RolloutController.State? {
        do {
            return try await store.load(model: model, as: RolloutController.State.self)
        } catch {
            logger.error("could not read the saved rollout state", metadata: ["shepherd.model": "\(model)", "shepherd.error": "\(error)"])
            return nil
        }
    }
}

/// A flag set once, read from any task.
final class RestoreSignal: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
