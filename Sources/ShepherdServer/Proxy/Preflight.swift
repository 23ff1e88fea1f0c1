import ShepherdCore
import ShepherdLedger
import ShepherdRouting

/// Refuses or reroutes a prompt that cannot fit before any money is spent: a target whose
/// context window is too small is skipped, a model none of whose targets fit hands the
/// request to its `context_window_fallback`, and otherwise the client gets 400
/// `context_length_exceeded` naming the sizes.
struct Preflight: Sendable {
    let config: GatewayConfig
    let costs: CostCalculator

    struct Decision {
        /// The model that will serve the request.
        var model: ModelConfig
        /// Tokens the request needs (prompt + max output), when it had to be counted.
        var requiredTokens: Int?
    }

    func window(of target: Target) -> Int? {
        target.contextWindow ?? costs.contextWindow(for: target.ref)
    }

    func fits(_ target: Target, _ required: Int?) -> Bool {
        guard let required, let window = window(of: target) else { return true }
        return required <= window
    }

    func check(_ inbound: InboundChatRequest, model: ModelConfig) throws -> Decision {
        let maxOutput = inbound.typed.maxCompletionTokens ?? inbound.typed.maxTokens ?? 0
        let windows = model.targets.map(window(of:))
        // A target of unknown size might take anything; and every token is at least one
        // byte, so a body smaller than the smallest window fits without counting.
        guard let smallest = windows.compactMap({ $0 }).min(), !windows.contains(where: { $0 == nil }) else {
            return Decision(model: model, requiredTokens: nil)
        }
        if inbound.body.count + maxOutput <= smallest { return Decision(model: model, requiredTokens: nil) }
        let prompt = try PromptSizer.forModel(model.targets[0].model).size(of: inbound.typed).total
        let required = prompt + maxOutput
        let largest = windows.compactMap { $0 }.max() ?? 0
        if required <= largest { return Decision(model: model, requiredTokens: required) }
        if let name = model.contextWindowFallback, let long = config.model(named: name),
            long.targets.contains(where: { fits($0, required) })
        {
            return Decision(model: long, requiredTokens: required)
        }
        throw GatewayError(
            .contextLengthExceeded,
            "This request needs about \(required) tokens (prompt \(prompt) + max_tokens \(maxOutput)), more than the largest context window among the targets of '\(model.name)' (\(largest) tokens)"
                + (model.contextWindowFallback.map { " or of its context_window_fallback '\($0)'" } ?? "") + ".",
            param: "messages")
    }
}
