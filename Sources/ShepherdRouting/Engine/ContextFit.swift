import ShepherdCore

/// Which model can take a prompt before any money is spent: targets whose context window is
/// too small are skipped, a model none of whose targets fit hands the request to its
/// `context_window_fallback`, and otherwise the caller gets `context_length_exceeded`
/// naming the sizes. Windows come from the target (`context_window:`) or the price catalog.
public struct ContextFit: Sendable {
    public let config: GatewayConfig
    let catalogWindow: @Sendable (TargetRef) -> Int?

    public init(config: GatewayConfig, catalogWindow: @escaping @Sendable (TargetRef) -> Int?) {
        self.config = config
        self.catalogWindow = catalogWindow
    }

    public struct Decision: Sendable {
        /// The model that will serve the request.
        public var model: ModelConfig
        /// Tokens the request needs (prompt + max output), when they had to be counted.
        public var requiredTokens: Int?
    }

    public func window(of target: Target) -> Int? { target.contextWindow ?? catalogWindow(target.ref) }

    public func fits(_ target: Target, _ required: Int?) -> Bool {
        guard let required, let window = window(of: target) else { return true }
        return required <= window
    }

    /// The decision when the body's size settles it, without counting: every token is at least
    /// one byte, so a body smaller than the smallest window fits (as does a model with a target
    /// of unknown window). Nil when the prompt's tokens must be counted: CPU work, and the first
    /// time a vocabulary load.
    public func decisionBySize(_ request: ChatCompletionRequest, bodyBytes: Int, model: ModelConfig) -> Decision? {
        let maxOutput = request.maxCompletionTokens ?? request.maxTokens ?? 0
        let windows = model.targets.map(window(of:))
        guard let smallest = windows.compactMap({ $0 }).min(), !windows.contains(where: { $0 == nil }),
            bodyBytes + maxOutput > smallest
        else { return Decision(model: model, requiredTokens: nil) }
        return nil
    }

    /// - Parameter bodyBytes: the request's size in bytes (see ``decisionBySize(_:bodyBytes:model:)``).
    public func check(_ request: ChatCompletionRequest, bodyBytes: Int, model: ModelConfig) throws(GatewayError) -> Decision {
        if let settled = decisionBySize(request, bodyBytes: bodyBytes, model: model) { return settled }
        let maxOutput = request.maxCompletionTokens ?? request.maxTokens ?? 0
        let windows = model.targets.map(window(of:))
        let prompt: Int
        do {
            prompt = try PromptSizer.forModel(model.targets[0].model).size(of: request).total
        } catch {
            return Decision(model: model, requiredTokens: nil)
        }
        let required = prompt + maxOutput
        let largest = windows.compactMap { $0 }.max() ?? 0
        if required <= largest { return Decision(model: model, requiredTokens: required) }
        if let name = model.contextWindowFallback, let long = config.model(named: name), long.targets.contains(where: { fits($0, required) }) {
            return Decision(model: long, requiredTokens: required)
        }
        throw GatewayError(
            .contextLengthExceeded,
            "This request needs about \(required) tokens (prompt \(prompt) + max_tokens \(maxOutput)), more than the largest context window among the targets of '\(model.name)' (\(largest) tokens)"
                + (model.contextWindowFallback.map { " or of its context_window_fallback '\($0)'" } ?? "") + ".",
            param: "messages")
    }
}
