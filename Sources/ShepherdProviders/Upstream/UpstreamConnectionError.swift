/// Why an upstream exchange failed before a whole answer arrived. The message never holds a
/// header or a body, so it cannot carry a key.
public struct UpstreamConnectionError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidURL = "invalid URL"
        case connect = "connect failed"
        case timeout = "timed out"
        case closed = "connection closed"
        case responseTooLarge = "response too large"
        case protocolError = "protocol error"
        case shutdown = "client shut down"
    }

    public let code: Code
    public let detail: String

    init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}
