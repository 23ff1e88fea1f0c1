import Foundation

/// Human tables for rollout reports and events, read from the admin API's JSON.
enum RolloutTable {
    static func render(_ json: String, single: Bool, isEvent: Bool) throws -> String {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8))
        if isEvent, let event = value as? [String: Any] {
            let kind = event["kind"] as? String ?? "?"
            let share = (event["share"] as? Double).map { "\(format($0)) %" } ?? "?"
            return "\(event["model"] as? String ?? "?"): \(kind); share to candidate now \(share)"
                + ((event["reason"] as? String).map { " (\($0))" } ?? "")
        }
        let views = single ? [value as? [String: Any]].compactMap { $0 } : (value as? [[String: Any]] ?? [])
        if views.isEmpty { return "no rollouts are configured" }
        return views.map(describe).joined(separator: "\n\n")
    }

    static func describe(_ view: [String: Any]) -> String {
        guard let rollout = view["rollout"] as? [String: Any] else { return "?" }
        var lines: [String] = []
        let model = rollout["model"] as? String ?? "?"
        let phase = rollout["phase"] as? String ?? "?"
        let share = rollout["share"] as? Double ?? 0
        let steps = (rollout["steps"] as? [Double] ?? []).map(format).joined(separator: " → ")
        lines.append("\(model): \(rollout["from"] as? String ?? "?") → \(rollout["to"] as? String ?? "?")")
        lines.append("  phase       \(phase)" + ((rollout["reason"] as? String).map { " (\($0))" } ?? ""))
        lines.append("  share       \(format(share)) % to the candidate   steps \(steps)")
        if let step = rollout["step"] as? Int { lines.append("  step        \(step + 1) of \((rollout["steps"] as? [Any])?.count ?? 0)") }
        lines.append("  requests    \(rollout["requests"] as? Int ?? 0)")
        for (label, key) in [("from", "fromTotals"), ("to", "toTotals")] {
            guard let side = rollout[key] as? [String: Any] else { continue }
            let errorRate = (side["errorRate"] as? Double).map { String(format: "%.2f %%", $0 * 100) } ?? "-"
            let p99 = (side["p99Ms"] as? Double).map { String(format: "%.0f ms", $0) } ?? "-"
            lines.append("  \(label.padding(toLength: 10, withPad: " ", startingAt: 0))  \(side["attempts"] as? Int ?? 0) attempts, errors \(errorRate), p99 \(p99)")
        }
        if let history = rollout["history"] as? [[String: Any]], !history.isEmpty {
            lines.append("  history")
            for event in history.suffix(8) {
                let time = event["time"] as? String ?? ""
                let kind = event["kind"] as? String ?? ""
                let reason = (event["reason"] as? String).map { " — \($0)" } ?? ""
                lines.append("    \(time)  \(kind) (share \(format(event["share"] as? Double ?? 0)) %)\(reason)")
            }
        }
        if let monthly = view["projectedMonthlySavingUSD"] as? String {
            lines.append("  saving      $\(monthly) a month projected at 100 % (at the request rate seen so far)")
        }
        if let shadow = view["shadow"] as? [String: Any] {
            lines.append("  shadow      \(shadow["count"] as? Int ?? 0) mirrored, \(shadow["candidateErrors"] as? Int ?? 0) candidate errors")
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
