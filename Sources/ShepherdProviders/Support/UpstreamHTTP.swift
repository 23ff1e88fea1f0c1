import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ShepherdCore

/// The HTTP plumbing the native providers share: sending within the attempt's deadline,
/// turning transport errors and error statuses into ``UpstreamFailure``s, and pumping an
/// SSE body through a translator. Every message that leaves it has been redacted.
struct UpstreamHTTP: Sendable {
    let provider: String
    let client: HTTPClient
    let redactor: Redactor
    /// Upper bound on a non-streamed answer held in memory.
    let maxResponseBytes = 256 * 1024 * 1024

    /// Sends `request`; a non-2xx answer throws, with `errorMessage` reading the provider's
    /// own error body.
    func send(
        _ request: HTTPClientRequest, call: UpstreamCall,
        errorMessage: @Sendable (ByteBuffer) -> String?
    ) async throws -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            // A stream may run long after it starts; the caller bounds the wait for its
            // first bytes instead, and cancels the call when that wait runs out.
            let deadline = call.request.isStream ? NIODeadline.now() + .hours(1) : NIODeadline.from(call.deadline)
            response = try await client.execute(request, deadline: deadline, logger: call.logger)
        } catch {
            throw failure(for: error, model: call.target.model)
        }
        guard (200..<300).contains(response.status.code) else {
            let body = (try? await response.body.collect(upTo: 1024 * 1024)) ?? ByteBuffer()
            throw statusFailure(response.status, headers: response.headers, body: body, call: call, errorMessage: errorMessage)
        }
        return response
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

    func collect(_ response: HTTPClientResponse, model: String) async throws -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: maxResponseBytes)
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
    func translate<T: SSETranslator>(_ response: HTTPClientResponse, with translator: T, model: String) throws -> SSEByteStream {
        let type = response.headers.first(name: "content-type")?.lowercased() ?? ""
        guard type.hasPrefix("text/event-stream") else {
            throw invalidResponse("a streamed request was answered with '\(type)', not text/event-stream", model: model)
        }
        return SSETranslation.run(response.body, with: translator, mapError: { error in
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
