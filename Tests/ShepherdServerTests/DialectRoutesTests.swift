import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Dialect routes: Anthropic Messages and Gemini generateContent through the proxy")
struct DialectRoutesTests {
    static let yaml = """
        server: { auth: keys, max_body_mb: 0.05 }
        storage: sqlite://keys.db
        providers:
          sim: { kind: mock }
        models:
          chat: { targets: [{ provider: sim, model: gpt-4o }] }
        pricing:
          sim/gpt-4o: { input: 2.50, output: 10.00 }
        """

    /// Over the 0.05 MB body limit.
    static let hugeText = String(repeating: "x", count: 60_000)

    /// A 1×1 PNG, as SDK examples send images.
    static let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

    func withGateway(rpm: Int? = nil, _ body: @escaping @Sendable (any TestClientProtocol, String) async throws -> Void) async throws {
        let gateway = try TestGateway(Self.yaml)
        let key = try await gateway.store.create(name: "d", models: nil, budgetUSD: nil, rpm: rpm, tpm: nil).secret
        try await gateway.test { client in try await body(client, key) }
    }

    // MARK: Anthropic

    @Test("Messages: text answer with usage, the x-shepherd-* headers and cost")
    func messagesText() async throws {
        try await withGateway { client, key in
            let response = try await client.messages(
                #"{"model":"chat","max_tokens":64,"system":"Be brief.","messages":[{"role":"user","content":"Hello there"}]}"#, key: key)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.headers[HTTPField.Name("x-shepherd-provider")!] == "sim")
            #expect(response.headers[HTTPField.Name("x-shepherd-model")!] == "gpt-4o")
            #expect(response.headers[HTTPField.Name("x-shepherd-cost-usd")!] != nil)
            #expect(response.headers[HTTPField.Name("x-request-id")!]?.hasPrefix("req_") == true)
            let json = try #require(response.json)
            #expect(json["type"] as? String == "message")
            #expect(json["role"] as? String == "assistant")
            #expect((json["id"] as? String)?.hasPrefix("msg_") == true)
            #expect(json["stop_reason"] as? String == "end_turn")
            let content = try #require(json["content"] as? [[String: Any]])
            #expect(content.first?["text"] as? String == "Hello there")
            let usage = try #require(json["usage"] as? [String: Any])
            #expect((usage["input_tokens"] as? Int ?? 0) > 0 && (usage["output_tokens"] as? Int ?? 0) > 0)
        }
    }

    @Test("Messages: the key also works as a bearer token; an image block reaches the target")
    func messagesBearerAndImage() async throws {
        try await withGateway { client, key in
            let body = #"""
                {"model":"chat","max_tokens":64,"messages":[{"role":"user","content":[
                  {"type":"image","source":{"type":"base64","media_type":"image/png","data":"\#(Self.png)"}},
                  {"type":"text","text":"What is this?"}]}]}
                """#
            let response = try await client.messages(body, headers: [.authorization: "Bearer \(key)"])
            #expect(response.status == .ok)
            let content = try #require(response.json?["content"] as? [[String: Any]])
            // The mock echoes an image part as "[image]".
            #expect(content.first?["text"] as? String == "[image] What is this?")
        }
    }

    @Test("Messages stream: Anthropic's event sequence with the text and final usage")
    func messagesStream() async throws {
        try await withGateway { client, key in
            let response = try await client.messages(
                #"{"model":"chat","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"one two three"}]}"#, key: key)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            #expect(response.headers[HTTPField.Name("x-shepherd-provider")!] == "sim")
            let events = response.sseEvents
            #expect(events.first?.event == "message_start")
            #expect(events.last?.event == "message_stop")
            let text = events.filter { $0.event == "content_block_delta" }.compactMap { ($0.json["delta"] as? [String: Any])?["text"] as? String }
            #expect(text.joined() == "one two three")
            let delta = try #require(events.first { $0.event == "message_delta" }?.json)
            #expect((delta["usage"] as? [String: Any])?["output_tokens"] as? Int ?? 0 > 0)
            #expect((delta["delta"] as? [String: Any])?["stop_reason"] as? String == "end_turn")
        }
    }

    @Test("Messages: tools come back as tool_use blocks, streamed as input_json_delta")
    func messagesTools() async throws {
        try await withGateway { client, key in
            let tools = #""tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]"#
            let plain = try await client.messages(
                #"{"model":"chat","max_tokens":64,\#(tools),"messages":[{"role":"user","content":"Weather in Paris?"}]}"#, key: key)
            #expect(plain.status == .ok)
            #expect(plain.json?["stop_reason"] as? String == "tool_use")
            let block = try #require((plain.json?["content"] as? [[String: Any]])?.first { $0["type"] as? String == "tool_use" })
            #expect(block["name"] as? String == "get_weather")
            #expect(block["input"] is [String: Any])
            let streamed = try await client.messages(
                #"{"model":"chat","max_tokens":64,"stream":true,\#(tools),"messages":[{"role":"user","content":"Weather?"}]}"#, key: key)
            let starts = streamed.sseEvents.filter { $0.event == "content_block_start" }
            #expect((starts.first?.json["content_block"] as? [String: Any])?["name"] as? String == "get_weather")
            let delta = streamed.sseEvents.first { $0.event == "message_delta" }?.json["delta"] as? [String: Any]
            #expect(delta?["stop_reason"] as? String == "tool_use")
        }
    }

    @Test("Messages errors are Anthropic's: 401, 404, 400, 413, 429 with Retry-After")
    func messagesErrors() async throws {
        try await withGateway(rpm: 2) { client, key in
            let hello = #"{"model":"chat","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}"#
            let missing = try await client.messages(hello)
            #expect(missing.status == .unauthorized)
            #expect(missing.anthropicError?.type == "authentication_error")
            #expect(missing.anthropicError?.message.contains("x-api-key") == true)
            #expect(try await client.messages(hello, key: "sk-shep-wrong").anthropicError?.type == "authentication_error")
            let unknown = try await client.messages(#"{"model":"nope","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}"#, key: key)
            #expect(unknown.status == .notFound)
            #expect(unknown.anthropicError?.type == "not_found_error")
            #expect(unknown.anthropicError?.message.contains("nope") == true)
            for bad in ["{not json", #"{"model":"chat","max_tokens":8}"#, #"{"model":"chat","messages":[{"role":"robot","content":"x"}]}"#] {
                let response = try await client.messages(bad, key: key)
                #expect(response.status == .badRequest, "\(bad)")
                #expect(response.anthropicError?.type == "invalid_request_error", "\(bad)")
                #expect(response.headers[HTTPField.Name("x-request-id")!] != nil)
            }
            let huge = try await client.messages(#"{"model":"chat","max_tokens":8,"messages":[{"role":"user","content":"\#(Self.hugeText)"}]}"#, key: key)
            #expect(huge.status == .contentTooLarge)
            #expect(huge.anthropicError?.type == "request_too_large")
            // Refusals before the key's limiter (401, 404, 400) do not spend its rpm.
            var limited: TestResponse?
            for _ in 0..<4 where limited == nil {
                let response = try await client.messages(hello, key: key)
                if response.status == .tooManyRequests { limited = response }
            }
            let refused = try #require(limited)
            #expect(refused.anthropicError?.type == "rate_limit_error")
            #expect(refused.headers[.retryAfter] != nil)
        }
    }

    // MARK: Gemini

    @Test("generateContent: text answer with usageMetadata, under /v1beta and /v1, key in header or query")
    func generateContent() async throws {
        try await withGateway { client, key in
            let body = #"{"systemInstruction":{"parts":[{"text":"Be brief."}]},"contents":[{"role":"user","parts":[{"text":"Hello there"}]}]}"#
            for (uri, headers) in [
                ("/v1beta/models/chat:generateContent", [HTTPField.Name("x-goog-api-key")!: key]),
                ("/v1/models/chat:generateContent?key=\(key)", [:]),
                ("/v1beta/models/chat%3AgenerateContent", [HTTPField.Name("x-goog-api-key")!: key]),
            ] as [(String, HTTPFields)] {
                let response = try await client.gemini(uri, body, headers: headers)
                #expect(response.status == .ok, "\(uri)")
                #expect(response.headers[HTTPField.Name("x-shepherd-provider")!] == "sim")
                let candidate = try #require((response.json?["candidates"] as? [[String: Any]])?.first)
                let parts = (candidate["content"] as? [String: Any])?["parts"] as? [[String: Any]]
                #expect(parts?.first?["text"] as? String == "Hello there")
                #expect(candidate["finishReason"] as? String == "STOP")
                let usage = try #require(response.json?["usageMetadata"] as? [String: Any])
                #expect((usage["promptTokenCount"] as? Int ?? 0) > 0 && (usage["candidatesTokenCount"] as? Int ?? 0) > 0)
            }
        }
    }

    @Test("generateContent: inline image data reaches the target")
    func generateContentImage() async throws {
        try await withGateway { client, key in
            let body = #"{"contents":[{"role":"user","parts":[{"inline_data":{"mime_type":"image/png","data":"\#(Self.png)"}},{"text":"Describe"}]}]}"#
            let response = try await client.gemini("/v1beta/models/chat:generateContent", body, key: key)
            #expect(response.status == .ok)
            let parts = ((response.json?["candidates"] as? [[String: Any]])?.first?["content"] as? [String: Any])?["parts"] as? [[String: Any]]
            #expect(parts?.first?["text"] as? String == "[image] Describe")
        }
    }

    @Test("streamGenerateContent?alt=sse: text slices, then finish reason and usage")
    func streamGenerateContent() async throws {
        try await withGateway { client, key in
            let response = try await client.gemini(
                "/v1beta/models/chat:streamGenerateContent?alt=sse", #"{"contents":[{"role":"user","parts":[{"text":"one two three"}]}]}"#, key: key)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            let events = response.sseEvents.map(\.json)
            let text = events.flatMap { ($0["candidates"] as? [[String: Any]]) ?? [] }
                .compactMap { (($0["content"] as? [String: Any])?["parts"] as? [[String: Any]])?.first?["text"] as? String }
            #expect(text.joined() == "one two three")
            let last = try #require(events.last)
            #expect((last["candidates"] as? [[String: Any]])?.first?["finishReason"] as? String == "STOP")
            #expect((last["usageMetadata"] as? [String: Any])?["totalTokenCount"] as? Int ?? 0 > 0)
        }
    }

    @Test("generateContent: functionDeclarations come back as a functionCall, streamed or not")
    func generateContentTools() async throws {
        try await withGateway { client, key in
            let body = #"""
                {"contents":[{"role":"user","parts":[{"text":"Weather in Paris?"}]}],
                 "tools":[{"functionDeclarations":[{"name":"get_weather","description":"Weather",
                   "parameters":{"type":"OBJECT","properties":{"city":{"type":"STRING"}}}}]}]}
                """#
            for uri in ["/v1beta/models/chat:generateContent", "/v1beta/models/chat:streamGenerateContent?alt=sse"] {
                let response = try await client.gemini(uri, body, key: key)
                #expect(response.status == .ok, "\(uri)")
                let objects = uri.contains("stream") ? response.sseEvents.map(\.json) : [try #require(response.json)]
                let calls = objects.flatMap { ($0["candidates"] as? [[String: Any]]) ?? [] }
                    .flatMap { (($0["content"] as? [String: Any])?["parts"] as? [[String: Any]]) ?? [] }
                    .compactMap { $0["functionCall"] as? [String: Any] }
                #expect(calls.count == 1, "\(uri)")
                #expect(calls.first?["name"] as? String == "get_weather", "\(uri)")
            }
        }
    }

    @Test("Gemini errors are Google's: 401, 404 model, 404 method, 400, 413, 429 with Retry-After")
    func generateContentErrors() async throws {
        try await withGateway(rpm: 1) { client, key in
            let hello = #"{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}"#
            let missing = try await client.gemini("/v1beta/models/chat:generateContent", hello)
            #expect(missing.status == .unauthorized)
            #expect(missing.geminiError?.status == "UNAUTHENTICATED")
            #expect(missing.geminiError?.code == 401)
            let wrong = try await client.gemini("/v1beta/models/chat:generateContent?key=sk-shep-wrong", hello)
            #expect(wrong.geminiError?.status == "UNAUTHENTICATED")
            let unknown = try await client.gemini("/v1beta/models/nope:generateContent", hello, key: key)
            #expect(unknown.status == .notFound)
            #expect(unknown.geminiError?.status == "NOT_FOUND")
            let method = try await client.gemini("/v1beta/models/chat:countTokens", hello, key: key)
            #expect(method.status == .notFound)
            #expect(method.geminiError?.status == "NOT_FOUND")
            for bad in ["{not json", #"{"contents":[{"role":"user","parts":[{"text":5}]}]}"#] {
                let response = try await client.gemini("/v1beta/models/chat:generateContent", bad, key: key)
                #expect(response.status == .badRequest, "\(bad)")
                #expect(response.geminiError?.status == "INVALID_ARGUMENT", "\(bad)")
                #expect(response.geminiError?.code == 400, "\(bad)")
            }
            let huge = try await client.gemini(
                "/v1beta/models/chat:generateContent", #"{"contents":[{"parts":[{"text":"\#(Self.hugeText)"}]}]}"#, key: key)
            #expect(huge.status == .contentTooLarge)
            #expect(huge.geminiError?.status == "INVALID_ARGUMENT")
            #expect(huge.geminiError?.message.contains("max_body_mb") == true)
            var limited: TestResponse?
            for _ in 0..<3 where limited == nil {
                let response = try await client.gemini("/v1beta/models/chat:generateContent", hello, key: key)
                if response.status == .tooManyRequests { limited = response }
            }
            let refused = try #require(limited)
            #expect(refused.geminiError?.status == "RESOURCE_EXHAUSTED")
            #expect(refused.headers[.retryAfter] != nil)
        }
    }
}
