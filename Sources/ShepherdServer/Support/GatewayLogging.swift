import Logging

/// How the gateway's log lines name the request they belong to.
public enum GatewayLogging {
    /// Adds `shepherd.request_id` to every line logged while a request is served; give it to
    /// `LoggingSystem.bootstrap(_:metadataProvider:)`.
    public static let metadataProvider = Logger.MetadataProvider {
        guard let id = RequestIDs.current else { return [:] }
        return ["shepherd.request_id": .string(id)]
    }
}
