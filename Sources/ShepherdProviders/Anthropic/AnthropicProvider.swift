import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ShepherdCore

/// Anthropic's Messages API. Requests and answers are translated to and from OpenAI's
/// Chat Completions; the key travels only in `x-api-key`.
public struct AnthropicProvider: ChatProvider {
    public static let defaultBaseURL = "https://api.anthropic.com/v1"
    /// The API version whose request and event shapes the translators implement.
    public static let apiVersion = "2023-06-01"

    public let name: String
    private let endpoint: UpstreamURL
    private let apiKey: String?
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
        var base = config.baseURL ?? Self.defaultBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.endpoint = UpstreamURL(base + "/messages")
        self.apiKey = config.apiKey?.value
        self.http = UpstreamHTTP(provider: config.name, transport: transport, redactor: Redactor(secrets: [config.apiKey?.value].compactMap { $0 }))
    }

    public func complete(_ call: UpstreamCall) async throws -> UpstreamReply {
        let model = call.target.model
        let body: AnthropicWire.Request
        do {
            body = try AnthropicRequestTranslator.translate(call.request.typed, model: model)
        } catch {
            throw UpstreamFailure(provider: name, model: model, untranslatable: error)
        }
        let stream = call.request.isStream
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: stream ? "text/event-stream" : "application/json")
        headers.add(name: "User-Agent", value: "shepherd")
        headers.add(name: "X-Request-ID", value: call.requestID)
        headers.add(name: "anthropic-version", value: Self.apiVersion)
        if let apiKey { headers.add(name: "x-api-key", value: apiKey) }

        let reply = try await http.post(
            to: endpoint, headers: headers, body: ByteBuffer(bytes: try WireJSON.encode(body)), call: call,
            errorMessage: Self.errorMessage(in:))
        let created = Int(Date().timeIntervalSince1970)
        if stream {
            let translator = AnthropicStreamTranslator(model: model, created: created) { [name, http] status, message in
                UpstreamFailure(provider: name, model: model, kind: .status(status), message: http.redactor.redact(message))
            }
            return .stream(try http.translate(reply, with: translator, model: model))
        }
        guard case .whole(let bytes) = reply.body else { preconditionFailure("a call that is not a stream is answered whole") }
        let answer: AnthropicWire.Response
        do {
            answer = try WireJSON.decode(AnthropicWire.Response.self, from: bytes.readableBytesView)
        } catch {
            throw http.invalidResponse("the answer is not a Messages response: \(error)", model: model)
        }
        let completion = AnthropicResponseTranslator.translate(answer, created: created)
        return .complete(body: ByteBuffer(bytes: try WireJSON.encode(completion)), usage: completion.usage)
    }

    /// `error.type: error.message` of Anthropic's error body.
    static func errorMessage(in body: ByteBuffer) -> String? {
        guard let envelope = try? WireJSON.decode(AnthropicWire.ErrorBody.self, from: body.readableBytesView) else { return nil }
        return "\(envelope.error.type): \(envelope.error.message)"
    }
}
