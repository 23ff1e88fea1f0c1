import ShepherdCore
import ShepherdLedger
import ShepherdRouting

/// Refuses or reroutes a prompt that cannot fit before any money is spent — the SDK's
/// ``ContextFit`` with windows from the targets and the price catalog, fed the request's
/// typed view and size.
struct Preflight: Sendable {
    let fit: ContextFit

    init(config: GatewayConfig, costs: CostCalculator) {
        fit = ContextFit(config: config) { costs.contextWindow(for: $0) }
    }

    func fits(_ target: Target, _ required: Int?) -> Bool {
        fit.fits(target, required)
    }

    /// The decision when the body's size settles it; nil when ``check(_:model:)`` must count
    /// tokens, CPU work that belongs off the event loop.
    func decisionBySize(_ inbound: InboundChatRequest, model: ModelConfig) -> ContextFit.Decision? {
        fit.decisionBySize(inbound.typed, bodyBytes: inbound.body.count, model: model)
    }

    func check(_ inbound: InboundChatRequest, model: ModelConfig) throws(GatewayError) -> ContextFit.Decision {
        try fit.check(inbound.typed, bodyBytes: inbound.body.count, model: model)
    }
}
