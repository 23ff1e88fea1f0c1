import Foundation

extension RolloutController {
    /// Which of the two targets a request goes to.
    public enum Side: String, Sendable, Codable, CaseIterable {
        case from, to
    }

    public enum Phase: Sendable, Equatable, Codable {
        /// `step` indexes the plan's `steps` (0-based).
        case running(step: Int)
        case paused(step: Int, reason: String)
        case rolledBack(reason: String)
        case completed

        /// As shown to people and in JSON reports.
        public var name: String {
            switch self {
            case .running: "running"
            case .paused: "paused"
            case .rolledBack: "rolled_back"
            case .completed: "completed"
            }
        }

        public var step: Int? {
            switch self {
            case .running(let step), .paused(let step, _): step
            case .rolledBack, .completed: nil
            }
        }

        public var reason: String? {
            switch self {
            case .paused(_, let reason), .rolledBack(let reason): reason
            case .running, .completed: nil
            }
        }
    }

    /// The attempts sent to one side: what the gates judge.
    public struct SideFigures: Sendable, Equatable, Codable {
        public internal(set) var attempts = 0
        public internal(set) var errors = 0
        public internal(set) var latency = LatencyHistogram()
        public internal(set) var cost = CostTally()

        public init() {}

        public var errorRate: Double? { attempts == 0 ? nil : Double(errors) / Double(attempts) }

        mutating func record(success: Bool, latencyMs: Double, costUSD: Decimal?) {
            attempts += 1
            if !success { errors += 1 }
            latency.record(latencyMs)
            cost.add(costUSD)
        }
    }

    /// The model's requests and each side's attempts, over a step or the whole rollout.
    public struct Figures: Sendable, Equatable, Codable {
        public internal(set) var requests = 0
        public internal(set) var from = SideFigures()
        public internal(set) var to = SideFigures()

        public init() {}

        public subscript(side: Side) -> SideFigures {
            get { side == .from ? from : to }
            set {
                if side == .from { from = newValue } else { to = newValue }
            }
        }
    }

    /// Everything needed to resume a rollout exactly where it was: persisted after every
    /// event and from time to time in between, restored with ``init(plan:restoring:)``.
    public struct State: Sendable, Equatable, Codable {
        /// Bumped when the encoding changes incompatibly.
        public var version = 1
        public var model: String
        /// `provider/model` of each side, to notice a config that now names other targets.
        public var from: String
        public var to: String
        /// The percentages the step indices refer to.
        public var steps: [Double]
        public var phase: Phase
        public var startedAt: Date
        public var stepStartedAt: Date
        public var phaseChangedAt: Date
        public var step = Figures()
        public var totals = Figures()
        /// The most recent events, newest last; the full history lives in the store.
        public var history: [RolloutEvent] = []

        /// How many events `history` keeps for the report.
        public static let historyLimit = 50
    }
}
