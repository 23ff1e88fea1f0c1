import Foundation
import HTTPTypes
import Hummingbird
import ShepherdCore
import ShepherdProviders

/// How one inbound dialect (Anthropic Messages, Gemini generateContent) speaks: its error
/// body and its translations of an OpenAI answer and stream.
struct Dialect: Sendable {
    /// Where the dialect's SDKs send the key, for the 401 that says a key is missing.
    var keyHint: String
    var errorBody: @Sendable (GatewayError) -> [UInt8]
    var answer: @Sendable ([UInt8]) throws -> [UInt8]
    var stream: @Sendable (SSEByteStream) -> SSEByteStream
}

/// Runs a dialect request through the same `ChatProxy` as `/v1/chat/completions`, so keys,
/// limits, budgets, routing, retries and the ledger apply unchanged: the translated body
/// goes in as an OpenAI request, and the proxy's response comes back out in the dialect.
struct DialectBridge: Sendable {
    let proxy: ChatProxy

    /// - Parameters:
    ///   - key: the gateway key, from wherever the dialect's SDKs send it.
    ///   - translate: the client's body → a Chat Completions body.
    func handle(
        _ request: Request, context: GatewayRequestContext, dialect: Dialect, key: String?,
        translate: @Sendable ([UInt8]) throws -> [UInt8]
    ) async -> Response {
        let started = ContinuousClock.now
        var reachedProxy = false
        do {
            // Auth and drain come before the body, as on the OpenAI route, so that a client
            // without a key learns that first; the proxy's own check then hits the key cache.
            guard !proxy.drain.isDraining else {
                throw GatewayError(.shuttingDown, "The gateway is shutting down; retry on another instance.", retryAfterSeconds: 1)
            }
            do {
                _ = try await proxy.authenticator.authenticate(bearer: key)
            } catch {
                // The authenticator's own hint for a missing key names the OpenAI header.
                guard key == nil else { throw error }
                throw GatewayError(.invalidAPIKey, "You didn't provide an API key. Send your gateway key (sk-shep-…) in \(dialect.keyHint).")
            }
            let body = try await ChatProxy.collectBody(request, limit: proxy.config.server.maxBodyBytes)
            let chat = body.count > ChatProxy.heavyBodyBytes ? try await offLoop { try translate(body) } : try translate(body)
            reachedProxy = true
            let response = try await proxy.handle(Self.chatRequest(chat, key: key, original: request), context: context)
            return try await Self.translate(response, dialect: dialect)
        } catch {
            var failure = GatewayError.from(error)
            if case .requestTooLarge = failure.code {
                failure.message = "The request body is larger than this gateway's limit of \(proxy.config.server.maxBodyBytes / 1024 / 1024) MB (server.max_body_mb)."
            }
            // The proxy counts its own requests; refusals before it are counted here, as
            // the OpenAI route counts them.
            if !reachedProxy {
                GatewayMetrics.request(route: "chat", model: "unknown", status: failure.status, duration: started.duration(to: .now))
            }
            failure.log(to: context.logger, cause: error)
            return Self.errorResponse(failure, dialect: dialect)
        }
    }

    /// The request the proxy sees: the translated body and the key as a bearer token. Only
    /// the headers the proxy reads are carried over; the client's own are the dialect's.
    static func chatRequest(_ body: [UInt8], key: String?, original: Request) -> Request {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let key { fields[.authorization] = "Bearer \(key)" }
        if let user = original.headers[.shepherdUser] { fields[.shepherdUser] = user }
        let head = HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/v1/chat/completions", headerFields: fields)
        return Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: body)))
    }

    /// The proxy's response in the dialect. Its headers (x-shepherd-*, Retry-After,
    /// x-ratelimit-*) are kept; only the body and its framing change.
    static func translate(_ response: Response, dialect: Dialect) async throws -> Response {
        var headers = response.headers
        headers[.contentLength] = nil
        guard response.status == .ok else {
            let body = try await collect(response.body)
            let failure = OpenAIErrorEnvelope.parse(body) ?? GatewayError(.internalError, "The gateway failed to handle the request.")
            headers[.contentType] = "application/json"
            return Response(status: response.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: dialect.errorBody(failure))))
        }
        if headers[.contentType]?.hasPrefix("text/event-stream") == true {
            return Response(status: .ok, headers: headers, body: ResponseBodyStream.translated(response.body, through: dialect.stream))
        }
        let answer = try dialect.answer(try await collect(response.body))
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer)))
    }

    static func errorResponse(_ error: GatewayError, dialect: Dialect) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter = error.retryAfterSeconds { headers[.retryAfter] = String(retryAfter) }
        return Response(
            status: HTTPResponse.Status(code: error.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: dialect.errorBody(error))))
    }

    /// A whole (non-stream) response body. The proxy's are small, already in memory.
    static func collect(_ body: ResponseBody) async throws -> [UInt8] {
        let sink = CollectedBody()
        try await body.write(CollectingWriter(sink: sink))
        return Array(sink.buffer.readableBytesView)
    }
}

/// The OpenAI error envelope the proxy answers with, read back into the error it stands for.
enum OpenAIErrorEnvelope {
    private struct Envelope: Decodable {
        struct Detail: Decodable {
            var message: String
            var code: String?
            var param: String?
        }
        var error: Detail
    }

    static func parse(_ body: [UInt8]) -> GatewayError? {
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(body)) else { return nil }
        let code = envelope.error.code.flatMap(GatewayError.Code.init(rawValue:)) ?? .internalError
        return GatewayError(code, envelope.error.message, param: envelope.error.param)
    }
}
