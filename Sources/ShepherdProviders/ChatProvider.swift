import Logging
import NIOCore
import ShepherdCore

/// An upstream that answers Chat Completions. Implementations throw ``UpstreamFailure``
/// for anything but a usable answer, so the caller can decide to retry or fall back.
public protocol ChatProvider: Sendable {
    var name: String { get }
    func complete(_ call: UpstreamCall) async throws -> UpstreamReply
}

/// One attempt against one target.
public struct UpstreamCall: Sendable {
    public var request: InboundChatRequest
    public var target: Target
    public var requestID: String
    /// When the attempt must have answered (for streams: begun answering) by.
    public var deadline: ContinuousClock.Instant
    public var logger: Logger

    public init(request: InboundChatRequest, target: Target, requestID: String, deadline: ContinuousClock.Instant, logger: Logger) {
        self.request = request
        self.target = target
        self.requestID = requestID
        self.deadline = deadline
        self.logger = logger
    }
}

/// A successful upstream answer in OpenAI's format.
public enum UpstreamReply: Sendable {
    /// A whole `chat.completion` body, as the upstream sent it.
    case complete(body: ByteBuffer, usage: Usage?)
    /// Server-sent events of `chat.completion.chunk`s, forwarded as they arrive.
    case stream(SSEByteStream)
}

/// The bytes of an SSE answer, chunk by chunk as the upstream writes them.
public typealias SSEByteStream = AsyncThrowingStream<ByteBuffer, any Error>

/// Why an attempt failed, without the upstream's credentials.
public struct UpstreamFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The upstream answered with this HTTP status.
        case status(Int)
        /// No answer before the attempt's deadline.
        case timeout
        /// Could not connect or the connection broke.
        case transport
        /// A 2xx whose body was not a usable answer.
        case invalidResponse
    }

    public var provider: String
    public var model: String
    public var kind: Kind
    /// Already redacted; safe for logs and clients.
    public var message: String
    public var retryAfterSeconds: Double?

    public init(provider: String, model: String, kind: Kind, message: String, retryAfterSeconds: Double? = nil) {
        self.provider = provider
        self.model = model
        self.kind = kind
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var status: Int? {
        if case .status(let status) = kind { return status }
        return nil
    }

    /// Whether another attempt could get a different answer (SPEC: never on 400/401/403/404).
    public var isRetryable: Bool {
        switch kind {
        case .timeout, .transport: true
        case .invalidResponse: false
        case .status(let status): [408, 409, 429, 500, 502, 503, 504, 520, 522, 524, 529].contains(status)
        }
    }

    /// The upstream refused the request itself: the client's fault, not the provider's.
    public var isClientFault: Bool {
        guard let status else { return false }
        return status == 400 || status == 413 || status == 422
    }

    public var outcome: String {
        switch kind {
        case .status(let status): "HTTP \(status)"
        case .timeout: "timeout"
        case .transport: "connection error"
        case .invalidResponse: "invalid response"
        }
    }

    public var description: String { "\(provider)/\(model): \(outcome): \(message)" }
}
