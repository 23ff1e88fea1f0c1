import ShepherdCore

/// Anything that answers a chat completion: `ShepherdClient` against an endpoint, the
/// in-process router, or a test double. The long-context helpers (map-reduce, `shepherd
/// analyze`) are written against this, so they run the same through a gateway or straight
/// to a provider.
public protocol ChatCompleting: Sendable {
    func complete(_ request: ChatCompletionRequest) async throws -> ChatCompletion
}
