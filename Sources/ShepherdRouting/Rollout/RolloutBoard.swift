import Foundation
import ShepherdCore
import Synchronization

/// The live rollouts and shadow summaries of a gateway: one ``RolloutController`` per model
/// with a `rollout:` block, behind a lock, fed by the request path and a timer. A command
/// (rollback, pause) takes effect on the very next routing decision.
public final class RolloutBoard: Sendable {
    /// Where a rollout sends one request.
    public struct Decision: Sendable {
        public var side: RolloutController.Side
        public var target: TargetRef
        /// The target that must get no traffic for this model (rolled back).
        public var excluded: TargetRef?
        public var step: Int?
    }

    private let controllers: Mutex<[String: RolloutController]>
    private let shadows: Mutex<[String: ShadowSummary]>
    private let now: @Sendable () -> Date

    public init(config: GatewayConfig, restoring saved: [String: RolloutController.State] = [:], now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
        var controllers: [String: RolloutController] = [:]
        let time = now()
        for model in config.models {
            guard let plan = model.rollout else { continue }
            if let state = saved[model.name], let restored = try? RolloutController(plan: plan, restoring: state) {
                controllers[model.name] = restored
            } else {
                controllers[model.name] = RolloutController(model: model.name, plan: plan, now: time)
            }
        }
        self.controllers = Mutex(controllers)
        self.shadows = Mutex([:])
    }

    /// Resumes a saved rollout; false when the saved one no longer fits the plan.
    @discardableResult
    public func restore(model: String, plan: RolloutPlan, state: RolloutController.State) -> Bool {
        guard let restored = try? RolloutController(plan: plan, restoring: state) else { return false }
        controllers.withLock { $0[model] = restored }
        return true
    }

    public var models: [String] { controllers.withLock { $0.keys.sorted() } }

    public func hasRollout(_ model: String) -> Bool { controllers.withLock { $0[model] != nil } }

    /// Counts the request toward the step's hold and picks its side.
    public func decide(model: String, stickyKey: String?, random: @autoclosure () -> Double = Double.random(in: 0..<1)) -> Decision? {
        controllers.withLock { controllers in
            controllers.mutateValue(forKey: model) { controller in
                controller.recordRequest()
                let side = controller.side(stickyKey: stickyKey, random: random())
                var excluded: TargetRef?
                if case .rolledBack = controller.phase { excluded = controller.target(for: .to) }
                if case .completed = controller.phase { excluded = controller.target(for: .from) }
                return Decision(side: side, target: controller.target(for: side), excluded: excluded, step: controller.phase.step)
            }
        }
    }

    /// An attempt's outcome, counted when the target is one of the rollout's two sides. The cost
    /// is worked out only then: most requests have no rollout watching them.
    public func recordAttempt(
        model: String, target: TargetRef, success: Bool, latencyMs: Double, costUSD: @autoclosure () -> Decimal?
    ) {
        controllers.withLock { controllers in
            _ = controllers.mutateValue(forKey: model) { controller in
                guard let side = controller.side(of: target) else { return }
                controller.recordAttempt(side: side, success: success, latencyMs: latencyMs, costUSD: costUSD())
            }
        }
    }

    /// Judges every rollout whose hold has passed; returns what changed.
    public func evaluate() -> [RolloutEvent] {
        let time = now()
        return controllers.withLock { controllers in
            var events: [RolloutEvent] = []
            for name in controllers.keys.sorted() {
                guard var controller = controllers[name] else { continue }
                events += controller.evaluate(now: time)
                controllers[name] = controller
            }
            return events
        }
    }

    public enum Command: String, Sendable, CaseIterable {
        case promote, pause, resume, rollback, start
    }

    public enum CommandFailure: Error, Sendable {
        case unknownModel(String)
        case refused(RolloutCommandError)
    }

    public func apply(_ command: Command, model: String, reason: String?) -> Result<RolloutEvent, CommandFailure> {
        let time = now()
        return controllers.withLock { controllers in
            guard var controller = controllers[model] else { return .failure(.unknownModel(model)) }
            do throws(RolloutCommandError) {
                let event: RolloutEvent
                switch command {
                case .promote: event = try controller.promote(now: time)
                case .pause: event = try controller.pause(now: time, reason: reason ?? "paused by an operator")
                case .resume: event = try controller.resume(now: time)
                case .rollback: event = try controller.rollback(now: time, reason: reason ?? "rolled back by an operator")
                case .start: event = try controller.restart(now: time)
                }
                controllers[model] = controller
                return .success(event)
            } catch {
                return .failure(.refused(error))
            }
        }
    }

    public func report(model: String) -> RolloutReport? {
        let time = now()
        return controllers.withLock { $0[model]?.report(now: time) }
    }

    public func states() -> [String: RolloutController.State] {
        controllers.withLock { $0.mapValues(\.state) }
    }

    // MARK: Shadow

    public func recordShadow(model: String, update: (inout ShadowSummary) -> Void) {
        shadows.withLock { shadows in
            var summary = shadows[model] ?? ShadowSummary()
            update(&summary)
            shadows[model] = summary
        }
    }

    public func restoreShadow(model: String, summary: ShadowSummary) {
        shadows.withLock { $0[model] = summary }
    }

    public func shadowSummaries() -> [String: ShadowSummary] { shadows.withLock { $0 } }
}

extension Dictionary {
    /// Runs `body` on the value for `key` where it is stored; nil when the key is absent.
    /// Copying a controller out and storing it back would leave its latency histograms shared
    /// with the dictionary's copy while it records, so every attempt would copy them whole.
    fileprivate mutating func mutateValue<Result>(forKey key: Key, _ body: (inout Value) -> Result) -> Result? {
        guard let index = index(forKey: key) else { return nil }
        return body(&values[index])
    }
}
