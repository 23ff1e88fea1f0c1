import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ShepherdCore

/// The HTTP plumbing the providers share: posting a request within the attempt's deadline,
/// turning transport errors and error statuses into ``UpstreamFailure``s, and pumping an SSE
/// body through a translator. Every message that leaves it has been redacted.
///
/// In the gateway every call goes through its ``UpstreamConnectionPool``; in the SDK, which
/// has no pool, through the AsyncHTTPClient it was given.
struct UpstreamHTTP: Sendable {
    /// How calls reach the upstream.
    enum Transport: Sendable {
        case pool(UpstreamConnectionPool)
        case client(HTTPClient)
    }

    let provider: String
    let transport: Transport
    let redactor: Redactor
    /// Upper bound on a non-streamed answer held in memory.
    let maxResponseBytes = 256 * 1024 * 1024
    /// Upper bound on an error answer read for its message.
    private let maxErrorBytes = 1024 * 1024

    /// A 2xx answer: whole for a call that is not a stream, else its head with the body arriving.
    struct Answer: Sendable {
        enum Body: Sendable {
            case whole(ByteBuffer)
            case streaming(AnswerStream)
        }

        var headers: HTTPHeaders
        var body: Body

        var isEventStream: Bool {
            headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") ?? false
        }
    }

    /// Posts `body` to `url`. A non-2xx answer throws, with `errorMessage` reading the
    /// provider's own error body.
    func post(
        to url: UpstreamURL, headers: HTTPHeaders, body: ByteBuffer, call: UpstreamCall,
        errorMessage: @Sendable (ByteBuffer) -> String?
    ) async throws -> Answer {
        switch transport {
        case .pool(let pool):
            return try await post(to: url, headers: headers, body: body, call: call, through: pool, errorMessage: errorMessage)
        case .client(let client):
            return try await post(to: url, headers: headers, body: body, call: call, through: client, errorMessage: errorMessage)
        }
    }

    private func post(
        to url: UpstreamURL, headers: HTTPHeaders, body: ByteBuffer, call: UpstreamCall, through client: HTTPClient,
        errorMessage: @Sendable (ByteBuffer) -> String?
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url.string)
        request.method = .POST
        request.headers = headers
        request.body = .bytes(body)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: deadline(for: call), logger: call.logger)
        } catch {
            throw failure(for: error, model: call.target.model)
        }
        guard (200..<300).contains(response.status.code) else {
            let body = (try? await response.body.collect(upTo: maxErrorBytes)) ?? ByteBuffer()
            throw statusFailure(response.status, headers: response.headers, body: body, call: call, errorMessage: errorMessage)
        }
        if call.request.isStream {
            return Answer(headers: response.headers, body: .streaming(AnswerStream(.client(response.body))))
        }
        return Answer(headers: response.headers, body: .whole(try await collect(AnswerStream(.client(response.body)), model: call.target.model)))
    }

    private func post(
        to url: UpstreamURL, headers: HTTPHeaders, body: ByteBuffer, call: UpstreamCall, through pool: UpstreamConnectionPool,
        errorMessage: @Sendable (ByteBuffer) -> String?
    ) async throws -> Answer {
        do {
            guard let endpoint = url.endpoint else { throw UpstreamConnectionError(.invalidURL, "'\(url.string)' is not an http or https URL") }
            let request = UpstreamRequest(endpoint: endpoint, headers: headers, body: body)
            if !call.request.isStream {
                let response = try await pool.execute(request, deadline: deadline(for: call))
                guard (200..<300).contains(response.status.code) else {
                    throw statusFailure(response.status, headers: response.headers, body: response.body, call: call, errorMessage: errorMessage)
                }
                return Answer(headers: response.headers, body: .whole(response.body))
            }
            let response = try await pool.stream(request, deadline: deadline(for: call))
            guard (200..<300).contains(response.status.code) else {
                let body = (try? await response.body.collect(upTo: maxErrorBytes)) ?? ByteBuffer()
                throw statusFailure(response.status, headers: response.headers, body: body, call: call, errorMessage: errorMessage)
            }
            return Answer(headers: response.headers, body: .streaming(AnswerStream(.pool(response.body))))
        } catch {
            throw failure(for: error, model: call.target.model)
        }
    }

    /// A stream may run long after it starts; the caller bounds the wait for its first bytes
    /// instead, and cancels the call when that wait runs out.
    private func deadline(for call: UpstreamCall) -> NIODeadline {
        call.request.isStream ? NIODeadline.now() + .hours(1) : NIODeadline.from(call.deadline)
    }

    /// A non-2xx answer as an ``UpstreamFailure``: the provider's own error message (else the
    /// body's start, else the reason phrase), redacted, with its Retry-After.
    func statusFailure(
        _ status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer, call: UpstreamCall,
        errorMessage: (ByteBuffer) -> String?
    ) -> UpstreamFailure {
        let message = errorMessage(body) ?? Self.prefix(of: body) ?? status.reasonPhrase
        return UpstreamFailure(
            provider: provider, model: call.target.model, kind: .status(Int(status.code)),
            message: redactor.redact(message),
            retryAfterSeconds: RetryAfter.seconds(headers.first(name: "retry-after")))
    }

    /// The whole of a streamed body (an upstream that answered a stream request whole).
    func collect(_ body: AnswerStream, model: String) async throws -> ByteBuffer {
        do {
            return try await body.collect(upTo: maxResponseBytes)
        } catch {
            throw failure(for: error, model: model)
        }
    }

    func failure(for error: any Error, model: String) -> UpstreamFailure {
        if let failure = error as? UpstreamFailure { return failure }
        let isTimeout: Bool
        if let connectionError = error as? UpstreamConnectionError {
            isTimeout = connectionError.code == .timeout
        } else if let clientError = error as? HTTPClientError {
            isTimeout = clientError == .deadlineExceeded || clientError == .readTimeout || clientError == .connectTimeout
        } else {
            isTimeout = error is CancellationError
        }
        return UpstreamFailure(
            provider: provider, model: model, kind: isTimeout ? .timeout : .transport,
            message: redactor.redact(String(describing: error)))
    }

    /// A 2xx whose body could not be read as the provider's answer.
    func invalidResponse(_ detail: String, model: String) -> UpstreamFailure {
        UpstreamFailure(provider: provider, model: model, kind: .invalidResponse, message: redactor.redact(detail))
    }

    /// Translates the upstream's SSE body event by event into OpenAI chunk bytes, handing
    /// them on as they are made. A 2xx that is not an event stream (a proxy that ignored
    /// the streaming request) is refused rather than read as an empty answer.
    func translate<T: SSETranslator>(_ answer: Answer, with translator: T, model: String) throws -> SSEByteStream {
        guard case .streaming(let body) = answer.body, answer.isEventStream else {
            let type = answer.headers.first(name: "content-type")?.lowercased() ?? ""
            throw invalidResponse("a streamed request was answered with '\(type)', not text/event-stream", model: model)
        }
        return SSETranslation.run(body, with: translator, mapError: { error in
            if let failure = error as? UpstreamFailure { return failure }
            if error is DecodingError { return invalidResponse("an unreadable stream event: \(error)", model: model) }
            return UpstreamFailure(
                provider: provider, model: model, kind: .transport,
                message: "the upstream stream broke: \(redactor.redact(String(describing: error)))")
        })
    }

    private static func prefix(of body: ByteBuffer) -> String? {
        let text = String(decoding: body.readableBytesView.prefix(300), as: UTF8.self)
        return text.isEmpty ? nil : text
    }
}

/// An upstream URL with its endpoint parsed once, for the pool.
struct UpstreamURL: Sendable {
    let string: String
    /// Nil when the string is not an http or https URL; a call to it then fails.
    let endpoint: UpstreamEndpoint?

    init(_ string: String) {
        self.string = string
        self.endpoint = try? UpstreamEndpoint(url: string)
    }
}

extension NIODeadline {
    static func from(_ instant: ContinuousClock.Instant) -> NIODeadline {
        let remaining = ContinuousClock.now.duration(to: instant)
        let (seconds, attoseconds) = remaining.components
        let nanos = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        return .now() + .nanoseconds(max(0, nanos))
    }
}
