import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ShepherdCore

/// Any OpenAI-compatible API (OpenAI, relays, vLLM, Ollama). The client's body is sent as
/// it came, with only `model` replaced; answers come back as the upstream wrote them.
public struct OpenAIProvider: ChatProvider {
    public let name: String
    private let endpoint: String
    private let authorization: String?
    private let client: HTTPClient
    private let redactor: Redactor
    /// Upper bound on a non-streamed answer held in memory.
    private let maxResponseBytes = 256 * 1024 * 1024

    public init(config: ProviderConfig, client: HTTPClient) {
        self.name = config.name
        self.endpoint = (config.baseURL ?? "") + "/chat/completions"
        self.authorization = config.apiKey.map { "Bearer \($0.value)" }
        self.client = client
        self.redactor = Redactor(secrets: [config.apiKey?.value].compactMap { $0 })
    }

    public func complete(_ call: UpstreamCall) async throws -> UpstreamReply {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: call.request.isStream ? "text/event-stream" : "application/json")
        request.headers.add(name: "User-Agent", value: "shepherd")
        request.headers.add(name: "X-Request-ID", value: call.requestID)
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: call.request.body(forUpstreamModel: call.target.model)))

        let response: HTTPClientResponse
        do {
            // A stream may run long after it starts; the caller bounds the wait for its
            // first bytes instead, and cancels the call when that wait runs out.
            let deadline = call.request.isStream ? NIODeadline.now() + .hours(1) : NIODeadline.from(call.deadline)
            response = try await client.execute(request, deadline: deadline, logger: call.logger)
        } catch {
            throw failure(for: error, target: call.target)
        }
        guard (200..<300).contains(response.status.code) else {
            throw await failure(for: response, target: call.target)
        }
        let isEventStream = response.headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") ?? false
        if call.request.isStream, isEventStream {
            return .stream(Self.relay(response.body, provider: name, target: call.target, redactor: redactor))
        }
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: maxResponseBytes)
        } catch {
            throw failure(for: error, target: call.target)
        }
        let usage = try? JSONDecoder().decode(UsageEnvelope.self, from: Data(body.readableBytesView)).usage
        return .complete(body: body, usage: usage)
    }

    /// Hands the upstream's body chunks to the caller as they arrive.
    private static func relay(_ body: HTTPClientResponse.Body, provider: String, target: Target, redactor: Redactor) -> SSEByteStream {
        let (stream, continuation) = SSEByteStream.makeStream(bufferingPolicy: .unbounded)
        let task = Task {
            do {
                for try await chunk in body { continuation.yield(chunk) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: UpstreamFailure(
                    provider: provider, model: target.model, kind: .transport,
                    message: "the upstream stream broke: \(redactor.redact(String(describing: error)))"))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func failure(for error: any Error, target: Target) -> UpstreamFailure {
        if let failure = error as? UpstreamFailure { return failure }
        let isTimeout: Bool
        if let clientError = error as? HTTPClientError {
            isTimeout = clientError == .deadlineExceeded || clientError == .readTimeout || clientError == .connectTimeout
        } else {
            isTimeout = error is CancellationError
        }
        return UpstreamFailure(
            provider: name, model: target.model, kind: isTimeout ? .timeout : .transport,
            message: redactor.redact(String(describing: error)))
    }

    private func failure(for response: HTTPClientResponse, target: Target) async -> UpstreamFailure {
        let body = (try? await response.body.collect(upTo: 1024 * 1024)) ?? ByteBuffer()
        let message = Self.errorMessage(in: body) ?? response.status.reasonPhrase
        return UpstreamFailure(
            provider: name, model: target.model, kind: .status(Int(response.status.code)),
            message: redactor.redact(message),
            retryAfterSeconds: RetryAfter.seconds(response.headers.first(name: "retry-after")))
    }

    /// `error.message` of an OpenAI-style error body, or a short prefix of a plain one.
    static func errorMessage(in body: ByteBuffer) -> String? {
        let data = Data(body.readableBytesView)
        if let envelope = try? JSONDecoder().decode(ErrorEnvelope.self, from: data) {
            return envelope.error.message
        }
        let text = String(decoding: body.readableBytesView.prefix(300), as: UTF8.self)
        return text.isEmpty ? nil : text
    }

    private struct ErrorEnvelope: Decodable {
        struct Detail: Decodable { var message: String }
        var error: Detail
    }
}

/// The `usage` member of an answer, read without decoding the rest.
struct UsageEnvelope: Decodable {
    var usage: Usage?
}

extension NIODeadline {
    static func from(_ instant: ContinuousClock.Instant) -> NIODeadline {
        let remaining = ContinuousClock.now.duration(to: instant)
        let (seconds, attoseconds) = remaining.components
        let nanos = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        return .now() + .nanoseconds(max(0, nanos))
    }
}
