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
    private let endpoint: String
    private let apiKey: String?
    private let http: UpstreamHTTP

    public init(config: ProviderConfig, client: HTTPClient) {
        self.name = config.name
        var base = config.baseURL ?? Self.defaultBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.endpoint = base + "/messages"
        self.apiKey = config.apiKey?.value
        self.http = UpstreamHTTP(provider: config.name, client: client, redactor: Redactor(secrets: [config.apiKey?.value].compactMap { $0 }))
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
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: stream ? "text/event-stream" : "application/json")
        request.headers.add(name: "User-Agent", value: "shepherd")
        request.headers.add(name: "X-Request-ID", value: call.requestID)
        request.headers.add(name: "anthropic-version", value: Self.apiVersion)
        if let apiKey { request.headers.add(name: "x-api-key", value: apiKey) }
        request.body = .bytes(ByteBuffer(bytes: try WireJSON.encode(body)))

        let response = try await http.send(request, call: call, errorMessage: Self.errorMessage(in:))
        let created = Int(Date().timeIntervalSince1970)
        if stream {
            let translator = AnthropicStreamTranslator(model: model, created: created) { [name, http] status, message in
                UpstreamFailure(provider: name, model: model, kind: .status(status), message: http.redactor.redact(message))
            }
            return .stream(try http.translate(response, with: translator, model: model))
        }
        let bytes = try await http.collect(response, model: model)
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
