import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Google's and Anthropic's APIs on loopback, answering every call with fixed text and
/// usage so that tests can check what lands in the ledger. (The providers' test target has
/// a fuller fake built on the documented fixtures; test targets cannot share it.)
struct FakeNativeAPI {
    static let geminiKey = "AIzaSyFAKE-gemini-upstream-0123456789"
    static let anthropicKey = "sk-ant-api03-fake-upstream-0123456789"

    /// What each API reports: the ledger must hold exactly these counts.
    static let geminiUsage = (prompt: 100, output: 20)
    static let anthropicUsage = (input: 200, output: 40)

    actor Recorder {
        var requests: [(path: String, headers: HTTPFields)] = []
        func record(_ path: String, _ headers: HTTPFields) { requests.append((path, headers)) }
    }

    let recorder = Recorder()

    func application() -> some ApplicationProtocol {
        let router = Router()
        let recorder = recorder
        router.post("/v1beta/models/{action}") { request, context -> Response in
            await recorder.record(request.uri.path, request.headers)
            let usage = #""usageMetadata":{"promptTokenCount":\#(Self.geminiUsage.prompt),"candidatesTokenCount":\#(Self.geminiUsage.output),"totalTokenCount":\#(Self.geminiUsage.prompt + Self.geminiUsage.output)}"#
            guard context.parameters.get("action")?.hasSuffix(":streamGenerateContent") == true else {
                return Self.json(#"{"candidates":[{"content":{"role":"model","parts":[{"text":"native gemini says hi"}]},"finishReason":"STOP","index":0}],\#(usage),"modelVersion":"gemini-2.5-flash","responseId":"r1"}"#)
            }
            return Self.sse([
                #"data: {"candidates":[{"content":{"role":"model","parts":[{"text":"native gemini "}]},"index":0}],"modelVersion":"gemini-2.5-flash"}"#,
                #"data: {"candidates":[{"content":{"role":"model","parts":[{"text":"says hi"}]},"finishReason":"STOP","index":0}],\#(usage),"modelVersion":"gemini-2.5-flash"}"#,
            ])
        }
        router.post("/v1/messages") { request, _ -> Response in
            await recorder.record(request.uri.path, request.headers)
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            guard String(buffer: body).contains(#""stream":true"#) else {
                return Self.json(#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4","content":[{"type":"text","text":"native claude says hi"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":\#(Self.anthropicUsage.input),"output_tokens":\#(Self.anthropicUsage.output)}}"#)
            }
            return Self.sse([
                #"event: message_start\#ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":\#(Self.anthropicUsage.input),"output_tokens":1}}}"#,
                #"event: content_block_start\#ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
                #"event: content_block_delta\#ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"native claude says hi"}}"#,
                #"event: content_block_stop\#ndata: {"type":"content_block_stop","index":0}"#,
                #"event: message_delta\#ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":\#(Self.anthropicUsage.output)}}"#,
                #"event: message_stop\#ndata: {"type":"message_stop"}"#,
            ])
        }
        // An OpenAI-compatible upstream that keeps its connection open a while after
        // `[DONE]`, as proxies in front of real APIs do.
        router.post("/lingering/chat/completions") { _, _ -> Response in
            let body = ResponseBody { writer in
                let chunk = #"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"late close"},"finish_reason":"stop"}]}"#
                let usage = #"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":30,"completion_tokens":3,"total_tokens":33}}"#
                try await writer.write(ByteBuffer(string: "data: \(chunk)\n\ndata: \(usage)\n\ndata: [DONE]\n\n"))
                try await Task.sleep(for: .milliseconds(300))
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: body)
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func sse(_ events: [String]) -> Response {
        let body = ResponseBody { writer in
            for event in events {
                try await writer.write(ByteBuffer(string: event + "\n\n"))
                try await Task.sleep(for: .milliseconds(2))
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
