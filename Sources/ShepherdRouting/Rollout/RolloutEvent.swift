import Foundation

/// A decision of a rollout, for its history, the report and the dashboard. Automatic
/// decisions carry the gate evaluation that made them, figures and thresholds included.
public struct RolloutEvent: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case started, promoted, completed, paused, resumed, restarted
        case rolledBack = "rolled_back"
    }

    /// Who decided: the configuration (a `rollout:` block seen for the first time), the
    /// gates, or a person (CLI, admin API).
    public enum Cause: String, Sendable, Codable {
        case config, gates, manual
    }

    public var model: String
    public var time: Date
    public var kind: Kind
    public var cause: Cause
    /// The step before and after the event (0-based), nil where there is none.
    public var fromStep: Int?
    public var toStep: Int?
    /// The share of traffic to `to` once the event has taken effect.
    public var share: Double
    public var reason: String?
    public var evaluation: GateEvaluation?

    public init(
        model: String, time: Date, kind: Kind, cause: Cause, fromStep: Int?, toStep: Int?, share: Double,
        reason: String? = nil, evaluation: GateEvaluation? = nil
    ) {
        self.model = model
        self.time = time
        self.kind = kind
        self.cause = cause
        self.fromStep = fromStep
        self.toStep = toStep
        self.share = share
        self.reason = reason
        self.evaluation = evaluation
    }

    /// One line for people: "promoted step 2 → 3, share 25% (gates: error_rate 0.004 ≤ 0.02 …)".
    public var description: String {
        var line = "\(model): \(kind.rawValue)"
        switch (fromStep, toStep) {
        case (let before?, let after?) where before != after: line += " step \(before + 1) → \(after + 1)"
        case (_, let after?): line += " at step \(after + 1)"
        case (let before?, nil): line += " from step \(before + 1)"
        case (nil, nil): break
        }
        line += ", share \(ShareText.format(share))"
        if let reason { line += " — \(reason)" }
        if let evaluation { line += " (gates: \(evaluation.summary))" }
        return line
    }
}

/// The command a person gave cannot apply in the rollout's current phase.
public struct RolloutCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public var command: String
    public var phase: String
    public var message: String

    public init(command: String, phase: String, message: String) {
        self.command = command
        self.phase = phase
        self.message = message
    }

    public var description: String { "cannot \(command) a rollout that is \(phase): \(message)" }
}

/// A saved state that no longer matches the configured plan.
public struct RolloutRestoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public var model: String
    public var saved: String
    public var configured: String

    public var description: String {
        "the saved rollout of \(model) moves \(saved) but the configuration now says \(configured); start a new rollout"
    }
}

enum ShareText {
    static func format(_ share: Double) -> String {
        share == share.rounded() ? "\(Int(share))%" : "\(share)%"
    }
}
