import Foundation
import HTTPTypes
import Hummingbird
import ShepherdCore
import ShepherdProviders

/// The inbound dialects, so that teams keep their own SDKs: `POST /v1/messages` (Anthropic)
/// and `POST /v1beta/models/{model}:generateContent` / `:streamGenerateContent` (Gemini,
/// also under `/v1/`). Both are routed to any target through the chat proxy; answers and
/// errors, including those raised before the proxy, are in the dialect's own format.
struct DialectRoutes {
    let proxy: ChatProxy

    static let anthropic = Dialect(
        keyHint: "the x-api-key header",
        errorBody: AnthropicDialect.errorBody,
        answer: { try AnthropicDialect.messagesResponse(fromChatCompletion: $0) },
        stream: AnthropicDialect.messagesStream(fromChatStream:))
    static let gemini = Dialect(
        keyHint: "the x-goog-api-key header or the key query parameter",
        errorBody: GeminiDialect.errorBody,
        answer: { try GeminiDialect.generateContentResponse(fromChatCompletion: $0) },
        stream: GeminiDialect.generateContentStream(fromChatStream:))

    func register(on router: Router<GatewayRequestContext>) {
        let bridge = DialectBridge(proxy: proxy)
        router.post("/v1/messages") { request, context in
            await bridge.handle(request, context: context, dialect: Self.anthropic, key: Self.anthropicKey(request)) { body in
                try AnthropicDialect.chatRequest(fromMessagesRequest: body)
            }
        }
        // Hummingbird matches whole path segments, and Gemini puts the method after a colon
        // in the last one (`gemini-2.5-flash:generateContent`), so that segment is captured
        // and split here.
        for prefix in ["/v1beta/models", "/v1/models"] {
            router.post("\(prefix)/{action}") { request, context -> Response in
                let action = context.parameters.get("action") ?? ""
                // Some clients percent-encode the colon.
                guard let (model, stream) = GeminiDialect.modelAndMethod(action.removingPercentEncoding ?? action) else {
                    let error = GatewayError(
                        .notFound, "Unknown method '\(action)'; this gateway serves models/{model}:generateContent and :streamGenerateContent.")
                    return DialectBridge.errorResponse(error, dialect: Self.gemini)
                }
                return await bridge.handle(request, context: context, dialect: Self.gemini, key: Self.geminiKey(request)) { body in
                    try GeminiDialect.chatRequest(fromGenerateContent: body, model: model, stream: stream)
                }
            }
        }
    }

    /// Anthropic's SDKs send `x-api-key`; gateways in front of them are also given a bearer.
    static func anthropicKey(_ request: Request) -> String? {
        nonEmpty(request.headers[.anthropicAPIKey]) ?? bearer(request)
    }

    /// Google's SDKs send `x-goog-api-key` and REST examples `?key=`; a bearer token is
    /// accepted too, as on the other routes.
    static func geminiKey(_ request: Request) -> String? {
        nonEmpty(request.headers[.googleAPIKey]) ?? nonEmpty(request.uri.queryParameters.get("key")) ?? bearer(request)
    }

    private static func bearer(_ request: Request) -> String? {
        nonEmpty(request.headers[.authorization].flatMap(KeyAuthenticator.token(from:)))
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }
}

extension HTTPField.Name {
    static let anthropicAPIKey = Self("x-api-key")!
    static let googleAPIKey = Self("x-goog-api-key")!
}
