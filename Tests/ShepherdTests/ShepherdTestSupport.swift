import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@testable import Shepherd

/// An OpenAI-compatible upstream on a free loopback port whose behaviour is chosen by the
/// request's `model`, and which counts what it received and the connections it saw closed.
/// Every slow answer is bounded, so the server stops by itself.
final class FakeOpenAI: Sendable {
    let received = Atomic<Int>(0)
    /// Answers whose client went away before they were written out.
    let closed = Atomic<Int>(0)
    /// Makes every answer a 500 (for the migration tests).
    let failing = Atomic<Bool>(false)
    /// The port of the latest `run`.
    let port = Atomic<Int>(0)
    private let lastBody = Mutex<[UInt8]>([])
    private let lastAuthorization = Mutex<String?>(nil)

    var body: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(lastBody.withLock { $0 }))) as? [String: Any] ?? [:]
    }
    var authorization: String? { lastAuthorization.withLock { $0 } }

    static let completion =
        #"{"id":"c1","object":"chat.completion","created":1,"model":"MODEL","choices":[{"index":0,"message":{"role":"assistant","content":"TEXT"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":3,"total_tokens":13}}"#

    static func chunk(_ text: String) -> String {
        #"data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"stream","choices":[{"index":0,"delta":{"content":"\#(text)"},"finish_reason":null}]}"#
            + "\n\n"
    }

    /// (status, error code, error type, extra headers) for the error models.
    static let errors: [String: (HTTPResponse.Status, String?, String, HTTPFields)] = [
        "e400": (.badRequest, nil, "invalid_request_error", [:]),
        "e401": (.unauthorized, "invalid_api_key", "authentication_error", [:]),
        "e403": (.forbidden, "model_not_allowed", "permission_error", [:]),
        "e404": (.notFound, "model_not_found", "invalid_request_error", [:]),
        "e413": (.contentTooLarge, "request_too_large", "invalid_request_error", [:]),
        "e429": (.tooManyRequests, "rate_limit_exceeded", "rate_limit_error", [.retryAfter: "7"]),
        "e429quota": (.tooManyRequests, "budget_exceeded", "insufficient_quota", [:]),
        "e500": (.internalServerError, "internal_error", "api_error", [:]),
        "e502": (.badGateway, "upstream_error", "api_error", [:]),
        "e503": (.serviceUnavailable, "no_healthy_upstream", "api_error", [.retryAfter: "2"]),
        "e504": (.gatewayTimeout, "upstream_timeout", "api_error", [:]),
    ]

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.post("/v1/chat/completions") { request, _ -> Response in
            var request = request
            let bytes = Array(try await request.collectBody(upTo: 64 * 1024 * 1024).readableBytesView)
            self.received.add(1, ordering: .relaxed)
            self.lastBody.withLock { $0 = bytes }
            self.lastAuthorization.withLock { $0 = request.headers[.authorization] }
            let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
            let model = object["model"] as? String ?? ""
            if self.failing.load(ordering: .relaxed) {
                return Self.json(#"{"error":{"message":"candidate down","type":"server_error"}}"#, status: .internalServerError)
            }
            if let (status, code, type, headers) = Self.errors[model] {
                let codeJSON = code.map { "\"\($0)\"" } ?? "null"
                var response = Self.json(#"{"error":{"message":"fake \#(model)","type":"\#(type)","param":null,"code":\#(codeJSON)}}"#, status: status)
                response.headers.append(contentsOf: headers)
                return response
            }
            switch model {
            case "ctx":
                return Self.json(
                    #"{"error":{"message":"This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#,
                    status: .badRequest)
            case "garbage":
                return Self.json("<html>not json</html>")
            case "stream", "stream-error":
                let failMidway = model == "stream-error"
                return Self.sse { writer in
                    for word in ["alpha ", "beta ", "gamma"] { try await writer.write(ByteBuffer(string: Self.chunk(word))) }
                    if failMidway {
                        try await writer.write(ByteBuffer(string: "event: error\n" + #"data: {"error":{"message":"upstream broke","type":"api_error","param":null,"code":"upstream_error"}}"# + "\n\n"))
                    }
                    try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                }
            case "slow", "slow-stream":
                // Trickles bytes for at most 10 s; a write failing means the client closed.
                let stream = model == "slow-stream"
                return Response(
                    status: .ok, headers: [.contentType: stream ? "text/event-stream" : "application/json"],
                    body: ResponseBody { writer in
                        do {
                            for index in 0..<500 {
                                try await writer.write(ByteBuffer(string: stream ? Self.chunk("tick\(index) ") : " "))
                                try await Task.sleep(for: .milliseconds(20))
                            }
                        } catch {
                            self.closed.add(1, ordering: .relaxed)
                            throw error
                        }
                        try await writer.finish(nil)
                    })
            case "tools":
                let tools = object["tools"] as? [[String: Any]] ?? []
                let name = (tools.first?["function"] as? [String: Any])?["name"] as? String ?? "none"
                return Self.json(
                    #"{"id":"c1","object":"chat.completion","created":1,"model":"tools","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"\#(name)","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}]}"#)
            default:
                let messages = object["messages"] as? [[String: Any]] ?? []
                let parts = (messages.last?["content"] as? [[String: Any]])?.compactMap { $0["type"] as? String } ?? []
                let text = parts.isEmpty ? "upstream says hi" : "parts: " + parts.joined(separator: ",")
                return Self.json(Self.completion.replacingOccurrences(of: "MODEL", with: model).replacingOccurrences(of: "TEXT", with: text))
            }
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func sse(_ write: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/event-stream"],
            body: ResponseBody { writer in
                try await write(&writer)
                try await writer.finish(nil)
            })
    }

    /// Runs the upstream on a free loopback port for the duration of `body`.
    func run(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await application().test(.live) { client in
            let port = try #require(client.port)
            self.port.store(port, ordering: .relaxed)
            try await body(port)
        }
    }

    /// Waits (bounded: 5 s) until `condition` holds.
    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<250 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}

func sdkClient(_ port: Int, key: String? = "sk-test", timeout: Duration = .seconds(30)) throws -> ShepherdClient {
    try ShepherdClient(baseURL: "http://127.0.0.1:\(port)/v1", apiKey: key, configuration: .init(timeout: timeout))
}
