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
    /// The endpoint parsed once, for the pool; nil when it is not a URL (each call then fails).
    private let parsedEndpoint: UpstreamEndpoint?
    private let authorization: String?
    private let http: UpstreamHTTP
    /// The gateway's own client for whole answers; without it (the SDK) they go through `client`.
    private let pool: UpstreamConnectionPool?

    public init(config: ProviderConfig, client: HTTPClient, pool: UpstreamConnectionPool? = nil) {
        self.name = config.name
        self.endpoint = (config.baseURL ?? "") + "/chat/completions"
        self.parsedEndpoint = try? UpstreamEndpoint(url: endpoint)
        self.authorization = config.apiKey.map { "Bearer \($0.value)" }
        self.http = UpstreamHTTP(provider: config.name, client: client, redactor: Redactor(secrets: [config.apiKey?.value].compactMap { $0 }))
        self.pool = pool
    }

    public func complete(_ call: UpstreamCall) async throws -> UpstreamReply {
        if let pool {
            return try await call.request.isStream ? completeStreamed(call, pool: pool) : completeWhole(call, pool: pool)
        }
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers = headers(for: call)
        request.body = .bytes(ByteBuffer(bytes: call.request.body(forUpstreamModel: call.target.model)))

        let response = try await http.send(request, call: call, errorMessage: Self.errorMessage(in:))
        if response.headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") ?? false {
            return .stream(relay(response.body.makeAsyncIterator(), model: call.target.model))
        }
        let body = try await http.collect(response, model: call.target.model)
        return .complete(body: body, usage: Self.usage(in: body))
    }

    /// A non-stream call through the gateway's pool, on the caller's event loop.
    private func completeWhole(_ call: UpstreamCall, pool: UpstreamConnectionPool) async throws -> UpstreamReply {
        let response: UpstreamResponse
        do {
            response = try await pool.execute(upstreamRequest(for: call), deadline: .from(call.deadline))
        } catch {
            throw http.failure(for: error, model: call.target.model)
        }
        guard (200..<300).contains(response.status.code) else {
            throw http.statusFailure(response.status, headers: response.headers, body: response.body, call: call, errorMessage: Self.errorMessage(in:))
        }
        return .complete(body: response.body, usage: Self.usage(in: response.body))
    }

    /// A stream call through the gateway's pool. A stream may run long after it starts; the
    /// caller bounds the wait for its first bytes instead, and cancels the call when that
    /// wait runs out.
    private func completeStreamed(_ call: UpstreamCall, pool: UpstreamConnectionPool) async throws -> UpstreamReply {
        let model = call.target.model
        let response: UpstreamStreamingResponse
        do {
            response = try await pool.stream(upstreamRequest(for: call), deadline: .now() + .hours(1))
        } catch {
            throw http.failure(for: error, model: model)
        }
        guard (200..<300).contains(response.status.code) else {
            let body = (try? await response.body.collect(upTo: 1024 * 1024)) ?? ByteBuffer()
            throw http.statusFailure(response.status, headers: response.headers, body: body, call: call, errorMessage: Self.errorMessage(in:))
        }
        if response.headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") ?? false {
            return .stream(relay(response.body.makeAsyncIterator(), model: model))
        }
        // An upstream that ignored `stream: true` and answered whole.
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: http.maxResponseBytes)
        } catch {
            throw http.failure(for: error, model: model)
        }
        return .complete(body: body, usage: Self.usage(in: body))
    }

    private func upstreamRequest(for call: UpstreamCall) throws -> UpstreamRequest {
        guard let parsedEndpoint else { throw UpstreamConnectionError(.invalidURL, "'\(endpoint)' is not an http or https URL") }
        return UpstreamRequest(
            endpoint: parsedEndpoint, headers: headers(for: call),
            body: ByteBuffer(bytes: call.request.body(forUpstreamModel: call.target.model)))
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
private final class BodyReader<Iterator: AsyncIteratorProtocol>: @unchecked Sendable where Iterator.Element == ByteBuffer {
    private var iterator: Iterator

    init(_ iterator: Iterator) {
        self.iterator = iterator
    }

    func next() async throws -> ByteBuffer? {
        try await iterator.next()
    }
}
