import Foundation
import Yams

extension ConfigLoader {
    static func parseRollout(_ cursor: YAMLCursor) throws(ConfigError) -> RolloutPlan {
        var from: TargetRef?
        var to: TargetRef?
        var steps: [Double] = [1, 5, 25, 50, 100]
        var holdRequests = 500
        var holdMinutes = 10.0
        var gates: (error: Double?, p99: Double?, cost: Double?) = (nil, nil, nil)
        var onFailure = RolloutPlan.OnGateFailure.rollback
        for (key, value) in try cursor.mapping(allowed: ["from", "to", "steps", "hold", "gates", "on_gate_failure"]) {
            switch key {
            case "from": from = try value.targetRef()
            case "to": to = try value.targetRef()
            case "steps":
                steps = try value.sequence().map { item throws(ConfigError) in try item.double(in: 0...100) }
                guard !steps.isEmpty, zip(steps, steps.dropFirst()).allSatisfy({ $0 < $1 }) else {
                    throw value.error("steps must be a non-empty list of increasing percentages, e.g. [1, 5, 25, 50, 100]")
                }
            case "hold":
                for (holdKey, holdValue) in try value.mapping(allowed: ["requests", "minutes"]) {
                    if holdKey == "requests" {
                        holdRequests = try holdValue.int(in: 0...Int.max)
                    } else {
                        holdMinutes = try holdValue.double(in: 0...525_600)
                    }
                }
            case "gates":
                for (gateKey, gateValue) in try value.mapping(allowed: ["max_error_rate", "max_p99_ms", "max_cost_ratio"]) {
                    switch gateKey {
                    case "max_error_rate": gates.error = try gateValue.double(in: 0...1)
                    case "max_p99_ms": gates.p99 = try gateValue.double(in: 0...86_400_000)
                    default: gates.cost = try gateValue.double(in: 0...1_000)
                    }
                }
            default: onFailure = try value.oneOf(RolloutPlan.OnGateFailure.self)
            }
        }
        guard let from else { throw cursor.error("'from' is required (provider/model)") }
        guard let to else { throw cursor.error("'to' is required (provider/model)") }
        return RolloutPlan(
            from: from, to: to, steps: steps, holdRequests: holdRequests, holdMinutes: holdMinutes,
            maxErrorRate: gates.error, maxP99Ms: gates.p99, maxCostRatio: gates.cost, onGateFailure: onFailure)
    }

    static func parseShadow(_ cursor: YAMLCursor) throws(ConfigError) -> ShadowPlan {
        var to: TargetRef?
        var percent = 100.0
        for (key, value) in try cursor.mapping(allowed: ["to", "percent"]) {
            if key == "to" {
                to = try value.targetRef()
            } else {
                percent = try value.double(in: 0...100)
            }
        }
        guard let to else { throw cursor.error("'to' is required (provider/model)") }
        return ShadowPlan(to: to, percent: percent)
    }

    static func parsePrice(_ cursor: YAMLCursor) throws(ConfigError) -> PriceOverride {
        var input: Decimal?
        var cached: Decimal?
        var output: Decimal?
        for (key, value) in try cursor.mapping(allowed: ["input", "cached_input", "output"]) {
            switch key {
            case "input": input = try value.decimal()
            case "cached_input": cached = try value.decimal()
            default: output = try value.decimal()
            }
        }
        guard let input, let output else { throw cursor.error("a price needs 'input' and 'output' (USD per 1M tokens)") }
        return PriceOverride(input: input, cachedInput: cached, output: output)
    }

    /// Checks the references between sections: targets name providers, fallbacks name models.
    static func crossCheck(_ config: GatewayConfig, providers: YAMLCursor, models: YAMLCursor) throws(ConfigError) {
        let providerNames = config.providers.map(\.name)
        let modelNames = config.models.map(\.name)
        let modelCursors = try models.mapping()
        for (index, model) in config.models.enumerated() {
            let cursor = modelCursors[index].value
            let members = try cursor.mapping()
            func at(_ key: String) -> YAMLCursor { members.first { $0.key == key }?.value ?? cursor }
            let targetCursors = (try? at("targets").sequence()) ?? []
            for (targetIndex, target) in model.targets.enumerated() where !providerNames.contains(target.provider) {
                let where_ = targetIndex < targetCursors.count ? targetCursors[targetIndex] : cursor
                throw where_.error("unknown provider '\(target.provider)'; defined providers: \(providerNames.joined(separator: ", "))")
            }
            if model.targets.allSatisfy({ $0.weight == 0 }) {
                throw at("targets").error("at least one target needs a weight above 0")
            }
            for fallback in model.fallbacks where !modelNames.contains(fallback) || fallback == model.name {
                throw at("fallbacks").error("'\(fallback)' is not another public model; defined models: \(modelNames.joined(separator: ", "))")
            }
            if let long = model.contextWindowFallback, !modelNames.contains(long) || long == model.name {
                throw at("context_window_fallback").error("'\(long)' is not another public model; defined models: \(modelNames.joined(separator: ", "))")
            }
            var refs: [(String, TargetRef)] = []
            if let rollout = model.rollout { refs += [("rollout", rollout.from), ("rollout", rollout.to)] }
            if let shadow = model.shadow { refs.append(("shadow", shadow.to)) }
            for (key, ref) in refs where !providerNames.contains(ref.provider) {
                throw at(key).error("unknown provider '\(ref.provider)' in '\(ref)'; defined providers: \(providerNames.joined(separator: ", "))")
            }
        }
    }

    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    static func summary(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: "\(error)"
        }
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        return nsError.localizedDescription
    }
}
