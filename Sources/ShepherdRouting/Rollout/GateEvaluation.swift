import Foundation

/// The gates judged on one step's `to` traffic: each configured gate's figure and
/// threshold. Shown in the report before the hold has passed too, as a preview.
public struct GateEvaluation: Sendable, Equatable, Codable {
    public var step: Int
    public var share: Double
    /// The model's requests and the minutes since the step began.
    public var requests: Int
    public var minutes: Double
    /// The attempts sent to each side during the step.
    public var toAttempts: Int
    public var fromAttempts: Int
    /// Only the configured gates, in the order error rate, p99, cost ratio.
    public var checks: [GateCheck]

    public init(step: Int, share: Double, requests: Int, minutes: Double, toAttempts: Int, fromAttempts: Int, checks: [GateCheck]) {
        self.step = step
        self.share = share
        self.requests = requests
        self.minutes = minutes
        self.toAttempts = toAttempts
        self.fromAttempts = fromAttempts
        self.checks = checks
    }

    /// A skipped gate does not fail the step.
    public var passed: Bool { checks.allSatisfy { $0.outcome != .failed } }

    public var failed: [GateCheck] { checks.filter { $0.outcome == .failed } }

    public var summary: String {
        checks.isEmpty ? "none configured" : checks.map(\.description).joined(separator: ", ")
    }
}

public struct GateCheck: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Gate: String, Sendable, Codable, CaseIterable {
        case errorRate = "error_rate"
        case p99Ms = "p99_ms"
        case costRatio = "cost_ratio"
    }

    public enum Outcome: String, Sendable, Codable {
        case passed, failed, skipped
    }

    public var gate: Gate
    /// The step's figure; nil when it could not be measured (then `note` says why).
    public var value: Double?
    public var threshold: Double
    public var outcome: Outcome
    public var note: String?

    public init(gate: Gate, value: Double?, threshold: Double, outcome: Outcome, note: String? = nil) {
        self.gate = gate
        self.value = value
        self.threshold = threshold
        self.outcome = outcome
        self.note = note
    }

    public var description: String {
        let figure = value.map { Self.format($0) } ?? "n/a"
        let sign = outcome == .failed ? ">" : "≤"
        var text = "\(gate.rawValue) \(figure) \(sign) \(Self.format(threshold))"
        if outcome == .skipped { text = "\(gate.rawValue) skipped" }
        if let note { text += " (\(note))" }
        return text
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.4g", value)
    }
}
