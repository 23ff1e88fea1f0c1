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
    private let endpoint: UpstreamURL
    private let authorization: String?
    private let http: UpstreamHTTP

    /// Calls go through `client` (the SDK).
    public init(config: ProviderConfig, client: HTTPClient) {
        self.init(config: config, transport: .client(client))
    }

    /// Calls go through the gateway's own connections.
    public init(config: ProviderConfig, pool: UpstreamConnectionPool) {
        self.init(config: config, transport: .pool(pool))
    }

    private init(config: ProviderConfig, transport: UpstreamHTTP.Transport) {
        self.name = config.name
        self.endpoint = UpstreamURL((config.baseURL ?? "") + "/chat/completions")
        self.authorization = config.apiKey.map { "Bearer \($0.value)" }
        self.http = UpstreamHTTP(
            provider: config.name, transport: transport, redactor: Redactor(secrets: [config.apiKey?.value].compactMap { $0 }))
    }

    public func complete(_ call: UpstreamCall) async throws -> UpstreamReply {
        let model = call.target.model
        let answer = try await http.post(
            to: endpoint, headers: headers(for: call), body: ByteBuffer(bytes: call.request.body(forUpstreamModel: model)),
            call: call, errorMessage: Self.errorMessage(in:))
        switch answer.body {
        case .whole(let body):
            return .complete(body: body, usage: Self.usage(in: body))
        case .streaming(let body) where answer.isEventStream:
            return .stream(relay(body.makeAsyncIterator(), model: model))
        case .streaming(let body):
            // An upstream that ignored `stream: true` and answered whole.
            let whole = try await http.collect(body, model: model)
            return .complete(body: whole, usage: Self.usage(in: whole))
        }
    }

    /// The upstream request's headers.
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
    private func relay<Body: AsyncIteratorProtocol & SendableMetatype>(_ body: Body, model: String) -> SSEByteStream where Body.Element == ByteBuffer {
        let reader = BodyReader(body)
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

/// The upstream body's iterator, pulled by the relay's stream. A relayed stream has one
/// consumer (``StreamRelay``, then the response writer, one after the other), and an unfolding
/// stream calls its closure from that consumer's `next()`, so the iterator is never used
/// concurrently.
private final class BodyReader<Iterator: AsyncIteratorProtocol>: @unchecked Sendable where Iterator.Element == ByteBuffer {
    private var iterator: Iterator

    init(_ iterator: Iterator) {
        self.iterator = iterator
    }

    func next() async throws -> ByteBuffer? {
        try await iterator.next()
    }
}
