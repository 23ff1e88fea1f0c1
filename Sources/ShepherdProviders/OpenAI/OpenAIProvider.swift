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
    /// The endpoint parsed once, for the whole-answer path.
    private let endpointURL: URL?
    private let authorization: String?
    private let http: UpstreamHTTP

    public init(config: ProviderConfig, client: HTTPClient) {
        self.name = config.name
        self.endpoint = (config.baseURL ?? "") + "/chat/completions"
        self.endpointURL = URL(string: endpoint)
        self.authorization = config.apiKey.map { "Bearer \($0.value)" }
        self.http = UpstreamHTTP(provider: config.name, client: client, redactor: Redactor(secrets: [config.apiKey?.value].compactMap { $0 }))
    }

    public func complete(_ call: UpstreamCall) async throws -> UpstreamReply {
        guard call.request.isStream else { return try await completeWhole(call) }
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers = headers(for: call)
        request.body = .bytes(ByteBuffer(bytes: call.request.body(forUpstreamModel: call.target.model)))

        let response = try await http.send(request, call: call, errorMessage: Self.errorMessage(in:))
        if response.headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") ?? false {
            return .stream(relay(response.body, model: call.target.model))
        }
        let body = try await http.collect(response, model: call.target.model)
        return .complete(body: body, usage: Self.usage(in: body))
    }

    /// A non-stream call: the answer is wanted whole, so it goes through the client's
    /// collecting path, pinned to the caller's event loop.
    private func completeWhole(_ call: UpstreamCall) async throws -> UpstreamReply {
        let request: HTTPClient.Request
        do {
            // The client would parse the string with `URL(string:)` too, and fail the same way.
            guard let endpointURL else { throw HTTPClientError.invalidURL }
            request = try HTTPClient.Request(
                url: endpointURL, method: .POST, headers: headers(for: call),
                body: .byteBuffer(ByteBuffer(bytes: call.request.body(forUpstreamModel: call.target.model))))
        } catch {
            throw http.failure(for: error, model: call.target.model)
        }
        let response = try await http.sendCollecting(request, call: call, errorMessage: Self.errorMessage(in:))
        let answer = response.body ?? ByteBuffer()
        return .complete(body: answer, usage: Self.usage(in: answer))
    }

    /// The upstream request's headers, the same on both paths.
    private func headers(for call: UpstreamCall) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.reserveCapacity(5)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: call.request.isStream ? "text/event-stream" : "application/json")
        headers.add(name: "User-Agent", value: "shepherd")
        headers.add(name: "X-Request-ID", value: call.requestID)
        if let authorization { headers.add(name: "Authorization", value: authorization) }
        return headers
    }

    /// Hands the upstream's body chunks to the caller as it asks for them, untranslated. Each
    /// `next()` reads the upstream body in the caller's own task: no task in between to hop
    /// through on every chunk, and no buffer, so a slow client slows the upstream read rather
    /// than filling the gateway's memory.
    private func relay(_ body: HTTPClientResponse.Body, model: String) -> SSEByteStream {
        let reader = BodyReader(body.makeAsyncIterator())
        let http = self.http
        return SSEByteStream(unfolding: {
            do {
                return try await reader.next()
            } catch {
                let failure = http.failure(for: error, model: model)
                throw UpstreamFailure(
                    provider: failure.provider, model: model, kind: .transport,
                    message: "the upstream stream broke: \(failure.message)")
            }
        })
    }

    /// `error.message` of an OpenAI-style error body.
    @Sendable static func errorMessage(in body: ByteBuffer) -> String? {
        (try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(body.readableBytesView)))?.error.message
    }

    private struct ErrorEnvelope: Decodable {
        struct Detail: Decodable { var message: String }
        var error: Detail
    }
}

extension OpenAIProvider {
    /// The `usage` member of an answer: the byte scanner finds it and only it is read, rather
    /// than the whole answer going through JSONDecoder on every request.
    static func usage(in body: ByteBuffer) -> Usage? {
        let bytes = Array(body.readableBytesView)
        guard let layout = try? TopLevelJSON(bytes: bytes), let range = layout.range(of: "usage") else { return nil }
        return Usage.read(from: bytes, range: range)
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

/// The upstream body's iterator, pulled by the relay's stream. A relayed stream has one
/// consumer (``StreamRelay``, then the response writer, one after the other), and an unfolding
/// stream calls its closure from that consumer's `next()`, so the iterator is never used
/// concurrently.
private final class BodyReader: @unchecked Sendable {
    private var iterator: HTTPClientResponse.Body.AsyncIterator

    init(_ iterator: HTTPClientResponse.Body.AsyncIterator) {
        self.iterator = iterator
    }

    func next() async throws -> ByteBuffer? {
        try await iterator.next()
    }
}
