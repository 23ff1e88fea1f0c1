import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// An OpenAI-compatible upstream on loopback whose behaviour is chosen by the `model` the
/// gateway sends, and which remembers what it received.
struct FakeUpstream {
    static let key = "sk-upstream-secret-0123456789"

    actor Recorder {
        var requests: [(headers: HTTPFields, body: [UInt8])] = []
        func record(_ headers: HTTPFields, _ body: [UInt8]) { requests.append((headers, body)) }
        var last: (headers: HTTPFields, body: [UInt8])? { requests.last }
    }

    let recorder = Recorder()

    func application() -> some ApplicationProtocol {
        let router = Router()
        let recorder = self.recorder
        router.post("/v1/chat/completions") { request, _ -> Response in
            var request = request
            let body = Array(try await request.collectBody(upTo: 16 * 1024 * 1024).readableBytesView)
            await recorder.record(request.headers, body)
            let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
            let model = object?["model"] as? String ?? ""
            switch model {
            case "fail500":
                return Self.json(#"{"error":{"message":"upstream exploded","type":"server_error"}}"#, status: .internalServerError)
            case "bad400":
                return Self.json(#"{"error":{"message":"Incorrect API key provided: \#(Self.key). Also sk-abc123 is wrong.","type":"invalid_request_error"}}"#, status: .badRequest)
            case "auth401":
                return Self.json(#"{"error":{"message":"Incorrect API key provided: \#(Self.key)"}}"#, status: .unauthorized)
            case "rate429":
                var response = Self.json(#"{"error":{"message":"slow down"}}"#, status: .tooManyRequests)
                response.headers[.retryAfter] = "7"
                return response
            case "stream", "cut":
                let cut = model == "cut"
                let body = ResponseBody { writer in
                    for word in ["alpha ", "beta ", "gamma"] {
                        try await writer.write(ByteBuffer(string: #"data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"stream","choices":[{"index":0,"delta":{"content":"\#(word)"},"finish_reason":null}]}"# + "\n\n"))
                        try await Task.sleep(for: .milliseconds(30))
                    }
                    if !cut { try await writer.write(ByteBuffer(string: "data: [DONE]\n\n")) }
                    try await writer.finish(nil)
                }
                return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: body)
            default:
                return Self.json(#"{"id":"c1","object":"chat.completion","created":1,"model":"\#(model)","choices":[{"index":0,"message":{"role":"assistant","content":"upstream says hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1000,"completion_tokens":200,"total_tokens":1200,"prompt_tokens_details":{"cached_tokens":400}},"vendor_extra":{"keep":1.10}}"#)
            }
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// Runs the fake upstream on a free loopback port for the duration of `body`.
    func run(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await application().test(.live) { client in
            try await body(try #require(client.port))
        }
    }
}

import Testing
