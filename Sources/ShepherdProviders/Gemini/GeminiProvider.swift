import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ShepherdCore

/// Google AI Gemini (`generateContent`, `streamGenerateContent?alt=sse`). Requests and
/// answers are translated to and from OpenAI's Chat Completions; the key travels only in
/// `x-goog-api-key`, never in the URL where proxies and logs would keep it.
public struct GeminiProvider: ChatProvider {
    public static let defaultBaseURL = "https://generativelanguage.googleapis.com/v1beta"

    public let name: String
    private let baseURL: String
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
        self.baseURL = base
        self.apiKey = config.apiKey?.value
        self.http = UpstreamHTTP(provider: config.name, transport: transport, redactor: Redactor(secrets: [config.apiKey?.value].compactMap { $0 }))
    }

    public func complete(_ call: UpstreamCall) async throws -> UpstreamReply {
        let model = call.target.model
        let body: GeminiWire.Request
        do {
            body = try GeminiRequestTranslator.translate(call.request.typed)
        } catch {
            throw UpstreamFailure(provider: name, model: model, untranslatable: error)
        }
        let stream = call.request.isStream
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: stream ? "text/event-stream" : "application/json")
        headers.add(name: "User-Agent", value: "shepherd")
        headers.add(name: "X-Request-ID", value: call.requestID)
        if let apiKey { headers.add(name: "x-goog-api-key", value: apiKey) }

        let reply = try await http.post(
            to: UpstreamURL(url(model: model, stream: stream)), headers: headers, body: ByteBuffer(bytes: try WireJSON.encode(body)),
            call: call, errorMessage: Self.errorMessage(in:))
        let id = "chatcmpl-\(call.requestID)"
        let created = Int(Date().timeIntervalSince1970)
        if stream {
            let translator = GeminiStreamTranslator(id: id, created: created, model: model) { [name, http] code, message in
                UpstreamFailure(provider: name, model: model, kind: .status(code), message: http.redactor.redact(message))
            }
            return .stream(try http.translate(reply, with: translator, model: model))
        }
        guard case .whole(let bytes) = reply.body else { preconditionFailure("a call that is not a stream is answered whole") }
        let answer: GeminiWire.Response
        do {
            answer = try WireJSON.decode(GeminiWire.Response.self, from: bytes.readableBytesView)
        } catch {
            throw http.invalidResponse("the answer is not a GenerateContentResponse: \(error)", model: model)
        }
        let completion = GeminiResponseTranslator.translate(answer, id: id, created: created, model: model)
        return .complete(body: ByteBuffer(bytes: try WireJSON.encode(completion)), usage: completion.usage)
    }

    /// `{base}/models/{model}:generateContent`; a model already written `models/…` (as
    /// Google's own SDKs accept it) is not prefixed twice.
    func url(model: String, stream: Bool) -> String {
        let path = model.hasPrefix("models/") || model.hasPrefix("tunedModels/") ? model : "models/\(model)"
        return "\(baseURL)/\(path)" + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent")
    }

    /// `error.message` of Google's error body, with its status name when it has one
    /// (`INVALID_ARGUMENT: …`) since that is what Google's docs index errors by.
    static func errorMessage(in body: ByteBuffer) -> String? {
        guard let envelope = try? WireJSON.decode(GeminiWire.ErrorBody.self, from: body.readableBytesView),
            let message = envelope.error.message
        else { return nil }
        return envelope.error.status.map { "\($0): \(message)" } ?? message
    }
}
