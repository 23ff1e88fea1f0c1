import AsyncHTTPClient
import Foundation
import NIOCore
import ShepherdCore
import Testing

@testable import ShepherdProviders

@Suite("Anthropic provider against a fake Anthropic API")
struct AnthropicProviderLiveTests {
    func provider(port: Int) -> AnthropicProvider {
        let config = ProviderConfig(name: "anthropic", kind: .anthropic, baseURL: "http://127.0.0.1:\(port)/v1", apiKey: Secret(FakeNativeUpstream.anthropicKey))
        return AnthropicProvider(config: config, client: .shared)
    }

    @Test("messages: URL, x-api-key and anthropic-version only, translated body and answer")
    func complete() async throws {
        let upstream = FakeNativeUpstream()
        try await upstream.run { port in
            let call = try TestSupport.call(#"{"model":"chat","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello, world"}]}"#, model: "claude-ok")
            guard case .complete(let body, let usage) = try await provider(port: port).complete(call) else {
                Issue.record("expected a complete answer")
                return
            }
            let received = try #require(await upstream.recorder.last)
            #expect(received.path == "/v1/messages")
            #expect(received.headers[.init("x-api-key")!] == FakeNativeUpstream.anthropicKey)
            #expect(received.headers[.init("anthropic-version")!] == "2023-06-01")
            #expect(received.headers[.authorization] == nil)
            let sent = JSONPath(try TestSupport.object(received.body))
            #expect(sent["model"] as? String == "claude-ok")
            #expect(sent["system"] as? String == "Be brief.")
            #expect(sent["max_tokens"] as? Int == 4096)
            #expect(sent["messages", 0, "content", 0, "text"] as? String == "Hello, world")
            let answer = JSONPath(try TestSupport.object(Array(body.readableBytesView)))
            #expect(answer["choices", 0, "message", "content"] as? String == "Hi! My name is Claude.")
            #expect(usage == Usage(promptTokens: 2095, completionTokens: 503, cachedTokens: 0))
        }
    }

    @Test("streams text and tool calls as OpenAI chunks")
    func stream() async throws {
        let upstream = FakeNativeUpstream()
        try await upstream.run { port in
            let provider = provider(port: port)
            let text = try TestSupport.call(#"{"model":"chat","stream":true,"messages":[{"role":"user","content":"Hi"}]}"#, model: "claude-ok")
            guard case .stream(let stream) = try await provider.complete(text) else {
                Issue.record("expected a stream")
                return
            }
            let chunks = try TestSupport.dataObjects(try await TestSupport.collect(stream)).map(JSONPath.init)
            #expect(JSONPath(try TestSupport.object(try #require(await upstream.recorder.last).body))["stream"] as? Bool == true)
            #expect(chunks.compactMap { $0["choices", 0, "delta", "content"] as? String }.joined() == "Hello!")
            #expect(chunks.last?["usage", "completion_tokens"] as? Int == 15)

            let tools = try TestSupport.call(#"{"model":"chat","stream":true,"messages":[{"role":"user","content":"Weather?"}]}"#, model: "claude-tools")
            guard case .stream(let toolStream) = try await provider.complete(tools) else { return }
            let toolChunks = try TestSupport.dataObjects(try await TestSupport.collect(toolStream)).map(JSONPath.init)
            let arguments = toolChunks.compactMap { $0["choices", 0, "delta", "tool_calls", 0, "function", "arguments"] as? String }.joined()
            #expect(arguments == #"{"location": "San Francisco, CA", "unit": "fahrenheit"}"#)
            #expect(toolChunks.contains { $0["choices", 0, "finish_reason"] as? String == "tool_calls" })
        }
    }

    @Test("529 overloaded is retryable; 429 keeps Retry-After")
    func errors() async throws {
        let upstream = FakeNativeUpstream()
        try await upstream.run { port in
            let provider = provider(port: port)
            do {
                _ = try await provider.complete(try TestSupport.call(#"{"model":"c","messages":[{"role":"user","content":"x"}]}"#, model: "claude-529"))
                Issue.record("expected a failure")
            } catch let failure as UpstreamFailure {
                #expect(failure.status == 529)
                #expect(failure.isRetryable)
                #expect(failure.message == "overloaded_error: Overloaded")
            }
            do {
                _ = try await provider.complete(try TestSupport.call(#"{"model":"c","messages":[{"role":"user","content":"x"}]}"#, model: "claude-429"))
                Issue.record("expected a failure")
            } catch let failure as UpstreamFailure {
                #expect(failure.status == 429)
                #expect(failure.retryAfterSeconds == 12)
            }
        }
    }

    @Test("content Anthropic cannot take is a 400 without a request")
    func untranslatable() async throws {
        let upstream = FakeNativeUpstream()
        try await upstream.run { port in
            let call = try TestSupport.call(#"{"model":"c","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]}]}"#, model: "claude-ok")
            await #expect(throws: UpstreamFailure.self) { _ = try await provider(port: port).complete(call) }
            #expect(await upstream.recorder.requests.isEmpty)
        }
    }
}
