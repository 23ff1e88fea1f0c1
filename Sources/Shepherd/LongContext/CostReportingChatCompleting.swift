import Foundation
import ShepherdCore

/// A ``ChatCompleting`` that also tells what each call cost, as a gateway reports it
/// (`x-shepherd-cost-usd`), so a run's bill is the gateway's own rather than an estimate.
public protocol CostReportingChatCompleting: ChatCompleting {
    /// The completion, and its cost in USD when the server reported one.
    func completeReportingCost(_ request: ChatCompletionRequest) async throws -> (completion: ChatCompletion, costUSD: Decimal?)
}

extension ShepherdClient: CostReportingChatCompleting {
    public func completeReportingCost(_ request: ChatCompletionRequest) async throws -> (completion: ChatCompletion, costUSD: Decimal?) {
        let response = try await respond(request)
        return (response.completion, response.costUSD)
    }
}
