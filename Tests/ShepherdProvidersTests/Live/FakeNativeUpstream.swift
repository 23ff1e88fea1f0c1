import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Google's and Anthropic's APIs on loopback, answering with the documented fixtures. The
/// model asked for picks the behaviour; every request is remembered.
struct FakeNativeUpstream {
    static let geminiKey = "AIzaSyFAKE-gemini-key-0123456789"
    static let anthropicKey = "sk-ant-api03-fake-anthropic-key-0123456789"

    struct Received: Sendable {
        var path: String
        var query: String?
        var headers: HTTPFields
        var body: [UInt8]
    }

    actor Recorder {
        var requests: [Received] = []
        func record(_ request: Received) { requests.append(request) }
        var last: Received? { requests.last }
    }

    let recorder = Recorder()

    func application() -> some ApplicationProtocol {
        let router = Router()
        let recorder = self.recorder
        router.post("/v1beta/models/{action}") { request, context -> Response in
            let received = try await Self.receive(request, recorder)
            let action = try context.parameters.require("action")
            let model = String(action.prefix { $0 != ":" })
            switch model {
            case "gemini-429":
                var response = Self.json(GeminiFixtures.quotaError, status: .tooManyRequests)
                response.headers[.retryAfter] = "7"
                return response
            case "gemini-400":
                return Self.json(#"{"error":{"code":400,"message":"API key \#(Self.geminiKey) not valid.","status":"INVALID_ARGUMENT"}}"#, status: .badRequest)
            case "gemini-tools":
                return Self.json(GeminiFixtures.functionCallResponse)
            default:
                if action.hasSuffix(":streamGenerateContent"), received.query == "alt=sse" {
                    return Self.sse(GeminiFixtures.textStream)
                }
                return Self.json(GeminiFixtures.textResponse)
            }
        }
        router.post("/v1/messages") { request, _ -> Response in
            let received = try await Self.receive(request, recorder)
            let object = try JSONSerialization.jsonObject(with: Data(received.body)) as? [String: Any]
            let stream = object?["stream"] as? Bool ?? false
            switch object?["model"] as? String ?? "" {
            case "claude-529":
                return Self.json(AnthropicFixtures.overloadedError, status: .init(code: 529))
            case "claude-429":
                var response = Self.json(#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#, status: .tooManyRequests)
                response.headers[.retryAfter] = "12"
                return response
            case "claude-tools":
                return stream ? Self.sse(AnthropicFixtures.toolStream) : Self.json(AnthropicFixtures.toolUseResponse)
            default:
                return stream ? Self.sse(AnthropicFixtures.textStream) : Self.json(AnthropicFixtures.textResponse)
            }
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    private static func receive(_ request: Request, _ recorder: Recorder) async throws -> Received {
        var request = request
        let body = Array(try await request.collectBody(upTo: 16 * 1024 * 1024).readableBytesView)
        let received = Received(path: request.uri.path, query: request.uri.query, headers: request.headers, body: body)
        await recorder.record(received)
        return received
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// The events in a few writes with pauses, as a real upstream streams them.
    static func sse(_ text: String) -> Response {
        let body = ResponseBody { writer in
            let bytes = Array(text.utf8)
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + 200)
                try await writer.write(ByteBuffer(bytes: bytes[start..<end]))
                try await Task.sleep(for: .milliseconds(5))
                start = end
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: body)
    }

    /// Runs on a free loopback port for the duration of `body`.
    func run(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await application().test(.live) { client in
            try await body(try #require(client.port))
        }
    }
}

