import Foundation
import Logging
import ServiceLifecycle
import ShepherdCore
import ShepherdLedger
import ShepherdRouting

/// Drives the rollouts: judges their gates every `interval`, and writes their state, every
/// decision and the shadow summaries to the store, so a restarted gateway resumes where it
/// was and the history survives.
struct RolloutService: Service {
    let board: RolloutBoard
    let store: RolloutStore?
    let interval: Duration
    let logger: Logger

    func run() async throws {
        guard !board.models.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        // Graceful shutdown cancels the loop (and its sleep); the state is saved once more.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await tick()
                try await Task.sleep(for: interval)
            }
        }
        await persist(events: [])
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
        guard let store else { return }
        for model in config.models {
            if let plan = model.rollout, let state = try? await store.load(model: model.name, as: RolloutController.State.self) {
                if !board.restore(model: model.name, plan: plan, state: state) {
                    logger.warning("the saved rollout no longer matches the config; starting it anew", metadata: ["shepherd.model": "\(model.name)"])
                }
            }
            if model.shadow != nil, let summary = try? await store.loadShadow(model: model.name, as: ShadowSummary.self) {
                board.restoreShadow(model: model.name, summary: summary)
            }
        }
    }
}
