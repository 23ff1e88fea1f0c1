import AsyncHTTPClient
import Foundation
import NIOCore
import ShepherdCore
import Testing

@testable import ShepherdProviders

@Suite("Gemini provider against a fake Google API")
struct GeminiProviderLiveTests {
    func provider(port: Int) -> GeminiProvider {
        let config = ProviderConfig(name: "google", kind: .gemini, baseURL: "http://127.0.0.1:\(port)/v1beta/", apiKey: Secret(FakeNativeUpstream.geminiKey))
        return GeminiProvider(config: config, client: .shared)
    }

    @Test("generateContent: URL, key only in x-goog-api-key, translated body and answer")
    func complete() async throws {
        let upstream = FakeNativeUpstream()
        try await upstream.run { port in
            let call = try TestSupport.call(#"{"model":"chat","max_tokens":50,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Tell a story"}]}"#, model: "gemini-ok")
            guard case .complete(let body, let usage) = try await provider(port: port).complete(call) else {
                Issue.record("expected a complete answer")
                return
            }
            let received = try #require(await upstream.recorder.last)
            #expect(received.path == "/v1beta/models/gemini-ok:generateContent")
            #expect(received.query == nil)
            #expect(received.headers[.init("x-goog-api-key")!] == FakeNativeUpstream.geminiKey)
            #expect(received.headers[.authorization] == nil)
            let sent = JSONPath(try TestSupport.object(received.body))
            #expect(sent["systemInstruction", "parts", 0, "text"] as? String == "Be brief.")
            #expect(sent["contents", 0, "parts", 0, "text"] as? String == "Tell a story")
            #expect(sent["generationConfig", "maxOutputTokens"] as? Int == 50)
            let answer = JSONPath(try TestSupport.object(Array(body.readableBytesView)))
            #expect(answer["choices", 0, "message", "content"] as? String == "Once upon a time, a magic backpack...")
            #expect(answer["id"] as? String == "chatcmpl-req1")
            #expect(usage?.promptTokens == 8 && usage?.completionTokens == 417 && usage?.cachedTokens == 4)
        }
    }

    @Test("streamGenerateContent?alt=sse: OpenAI chunks, usage, [DONE]")
    func stream() async throws {
        let upstream = FakeNativeUpstream()
        try await upstream.run { port in
            let call = try TestSupport.call(#"{"model":"chat","stream":true,"messages":[{"role":"user","content":"Hi"}]}"#, model: "gemini-ok")
            guard case .stream(let stream) = try await provider(port: port).complete(call) else {
                Issue.record("expected a stream")
                return
            }
            let out = try await TestSupport.collect(stream)
            let received = try #require(await upstream.recorder.last)
            #expect(received.path == "/v1beta/models/gemini-ok:streamGenerateContent")
            #expect(received.query == "alt=sse")
            let chunks = try TestSupport.dataObjects(out).map(JSONPath.init)
            #expect(chunks.compactMap { $0["choices", 0, "delta", "content"] as? String }.joined() == "The quick brown fox jumps.")
            #expect(chunks.last?["usage", "total_tokens"] as? Int == 20)
            #expect(out.hasSuffix("data: [DONE]\n\n"))
        }
    }

    @Test("tool calls come back as OpenAI tool_calls")
    func tools() async throws {
        let upstream = FakeNativeUpstream()
        try await upstream.run { port in
            let call = try TestSupport.call(#"{"model":"chat","tools":[{"type":"function","function":{"name":"schedule_meeting","parameters":{"type":"object"}}}],"messages":[{"role":"user","content":"Book it"}]}"#, model: "gemini-tools")
            guard case .complete(let body, _) = try await provider(port: port).complete(call) else { return }
            let answer = JSONPath(try TestSupport.object(Array(body.readableBytesView)))
            #expect(answer["choices", 0, "finish_reason"] as? String == "tool_calls")
            #expect(answer["choices", 0, "message", "tool_calls", 0, "function", "name"] as? String == "schedule_meeting")
            let sent = JSONPath(try TestSupport.object(try #require(await upstream.recorder.last).body))
            #expect(sent["tools", 0, "functionDeclarations", 0, "name"] as? String == "schedule_meeting")
        }
    }

    @Test("a 429 keeps its status and Retry-After; a 400 keeps the message without the key")
    func errors() async throws {
        let upstream = FakeNativeUpstream()
        try await upstream.run { port in
            let provider = provider(port: port)
            do {
                _ = try await provider.complete(try TestSupport.call(#"{"model":"c","messages":[{"role":"user","content":"x"}]}"#, model: "gemini-429"))
                Issue.record("expected a failure")
            } catch let failure as UpstreamFailure {
                #expect(failure.status == 429)
                #expect(failure.retryAfterSeconds == 7)
                #expect(failure.isRetryable)
                #expect(failure.message.contains("RESOURCE_EXHAUSTED"))
            }
            do {
                _ = try await provider.complete(try TestSupport.call(#"{"model":"c","messages":[{"role":"user","content":"x"}]}"#, model: "gemini-400"))
                Issue.record("expected a failure")
            } catch let failure as UpstreamFailure {
                #expect(failure.status == 400)
                #expect(failure.isClientFault)
                #expect(failure.message.contains("INVALID_ARGUMENT: API key"))
                #expect(!failure.message.contains(FakeNativeUpstream.geminiKey))
                #expect(!failure.description.contains("AIza"))
            }
        }
    }

    @Test("a streamed request answered with plain JSON is an invalid response, not an empty stream")
    func notAStream() async throws {
        let upstream = FakeNativeUpstream()
        try await upstream.run { port in
            let call = try TestSupport.call(#"{"model":"c","stream":true,"messages":[{"role":"user","content":"x"}]}"#, model: "gemini-tools")
            do {
                _ = try await provider(port: port).complete(call)
                Issue.record("expected a failure")
            } catch let failure as UpstreamFailure {
                #expect(failure.kind == .invalidResponse)
            }
        }
    }
}
