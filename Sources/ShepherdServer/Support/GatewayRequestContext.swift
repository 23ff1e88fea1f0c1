import Hummingbird
import Logging

/// Hummingbird's request context plus the id that ties a request's response, logs and
/// (later) ledger row together.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestID = ""
    }
}
