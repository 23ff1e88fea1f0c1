import Foundation
import NIOCore
import ShepherdCore
import Testing

@testable import ShepherdProviders

@Suite("Anthropic translation")
struct AnthropicTranslationTests {
    func translate(_ json: String) throws -> JSONPath {
        let request = try AnthropicRequestTranslator.translate(try TestSupport.typed(json), model: "claude-x")
        return JSONPath(try TestSupport.object(try WireJSON.encode(request)))
    }

    @Test("system joined, roles merged, images, PDF, settings, default max_tokens")
    func requestContent() throws {
        let json = try translate(#"""
            {"model": "m", "temperature": 0.5, "top_p": 0.9, "stop": ["END", "STOP"], "user": "u-1",
             "messages": [
              {"role": "system", "content": "Be brief."},
              {"role": "user", "content": [
                {"type": "text", "text": "Look:"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
                {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "r.pdf"}}
              ]},
              {"role": "developer", "content": "Answer in French."},
              {"role": "user", "content": "and this?"},
              {"role": "assistant", "content": "Oui."}
             ]}
            """#)
        #expect(json["model"] as? String == "claude-x")
        #expect(json["system"] as? String == "Be brief.\n\nAnswer in French.")
        #expect(json["max_tokens"] as? Int == 4096)
        #expect(json["temperature"] as? Double == 0.5)
        #expect(json["top_p"] as? Double == 0.9)
        #expect(json["stop_sequences"] as? [String] == ["END", "STOP"])
        #expect(json["metadata", "user_id"] as? String == "u-1")
        // Two user messages in a row become one turn.
        #expect((json["messages"] as? [Any])?.count == 2)
        #expect(json["messages", 0, "content", 1, "source", "type"] as? String == "base64")
        #expect(json["messages", 0, "content", 1, "source", "media_type"] as? String == "image/png")
        #expect(json["messages", 0, "content", 2, "source", "type"] as? String == "url")
        #expect(json["messages", 0, "content", 2, "source", "url"] as? String == "https://example.com/cat.jpg")
        #expect(json["messages", 0, "content", 3, "type"] as? String == "document")
        #expect(json["messages", 0, "content", 3, "source", "media_type"] as? String == "application/pdf")
        #expect(json["messages", 0, "content", 3, "source", "data"] as? String == "JVBERi0=")
        #expect(json["messages", 0, "content", 4, "text"] as? String == "and this?")
        #expect(json["messages", 1, "role"] as? String == "assistant")
    }

    @Test("tools, tool_use from tool_calls, tool results as user tool_result blocks")
    func requestTools() throws {
        let json = try translate(#"""
            {"model": "m", "max_tokens": 300, "tool_choice": "required",
             "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
             "messages": [
              {"role": "user", "content": "Weather?"},
              {"role": "assistant", "content": "", "tool_calls": [{"id": "toolu_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
              {"role": "tool", "tool_call_id": "toolu_1", "content": "21C"},
              {"role": "user", "content": "Thanks"}
             ]}
            """#)
        #expect(json["max_tokens"] as? Int == 300)
        #expect(json["tools", 0, "name"] as? String == "get_weather")
        #expect(json["tools", 0, "input_schema", "type"] as? String == "object")
        #expect(json["tool_choice", "type"] as? String == "any")
        #expect(json["messages", 1, "content", 0, "type"] as? String == "tool_use")
        #expect(json["messages", 1, "content", 0, "input", "city"] as? String == "Paris")
        #expect((json["messages", 1, "content"] as? [Any])?.count == 1)  // the empty text is dropped
        #expect(json["messages", 2, "role"] as? String == "user")
        #expect(json["messages", 2, "content", 0, "type"] as? String == "tool_result")
        #expect(json["messages", 2, "content", 0, "tool_use_id"] as? String == "toolu_1")
        #expect(json["messages", 2, "content", 0, "content", 0, "text"] as? String == "21C")
        #expect(json["messages", 2, "content", 1, "text"] as? String == "Thanks")
    }

    @Test("audio and video are refused before sending")
    func unsupportedContent() throws {
        let audio = try TestSupport.typed(#"{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]}]}"#)
        #expect(throws: TranslationError.self) { try AnthropicRequestTranslator.translate(audio, model: "c") }
    }

    func completion(_ fixture: String) throws -> JSONPath {
        let response = try WireJSON.decode(AnthropicWire.Response.self, from: fixture)
        return JSONPath(try TestSupport.object(try WireJSON.encode(AnthropicResponseTranslator.translate(response, created: 1))))
    }

    @Test("text answer: content, end_turn → stop, usage")
    func textResponse() throws {
        let json = try completion(AnthropicFixtures.textResponse)
        #expect(json["choices", 0, "message", "content"] as? String == "Hi! My name is Claude.")
        #expect(json["choices", 0, "finish_reason"] as? String == "stop")
        #expect(json["model"] as? String == "claude-sonnet-4-20250514")
        #expect(json["usage", "prompt_tokens"] as? Int == 2095)
        #expect(json["usage", "completion_tokens"] as? Int == 503)
    }

    @Test("tool use answer: tool_calls, finish tool_calls, cache tokens in prompt tokens")
    func toolResponse() throws {
        let json = try completion(AnthropicFixtures.toolUseResponse)
        #expect(json["choices", 0, "finish_reason"] as? String == "tool_calls")
        #expect(json["choices", 0, "message", "content"] as? String == "I'll check the current weather in San Francisco for you.")
        #expect(json["choices", 0, "message", "tool_calls", 0, "id"] as? String == "toolu_01A09q90qw90lq917835lq9")
        let arguments = try #require(json["choices", 0, "message", "tool_calls", 0, "function", "arguments"] as? String)
        #expect(JSONPath(try TestSupport.object(arguments))["unit"] as? String == "celsius")
        #expect(json["usage", "prompt_tokens"] as? Int == 592)
        #expect(json["usage", "prompt_tokens_details", "cached_tokens"] as? Int == 100)
        #expect(json["usage", "completion_tokens"] as? Int == 89)
        #expect(AnthropicResponseTranslator.finishReason("max_tokens") == "length")
        #expect(AnthropicResponseTranslator.finishReason("stop_sequence") == "stop")
    }

    func stream(_ sse: String) async throws -> String {
        let translator = AnthropicStreamTranslator(model: "claude-x", created: 1) { status, message in
            UpstreamFailure(provider: "a", model: "claude-x", kind: .status(status), message: message)
        }
        return try await TestSupport.collect(SSETranslation.run(TestSupport.chunked(sse), with: translator))
    }

    @Test("text stream: role, deltas, stop, usage chunk, [DONE]")
    func textStream() async throws {
        let out = try await stream(AnthropicFixtures.textStream)
        let chunks = try TestSupport.dataObjects(out).map(JSONPath.init)
        #expect(out.hasSuffix("data: [DONE]\n\n"))
        #expect(chunks[0]["choices", 0, "delta", "role"] as? String == "assistant")
        #expect(chunks[0]["id"] as? String == "chatcmpl-msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY")
        #expect(chunks.compactMap { $0["choices", 0, "delta", "content"] as? String }.joined() == "Hello!")
        #expect(chunks.contains { $0["choices", 0, "finish_reason"] as? String == "stop" })
        #expect(chunks.last?["usage", "prompt_tokens"] as? Int == 25)
        #expect(chunks.last?["usage", "completion_tokens"] as? Int == 15)
    }

    @Test("tool stream: tool-call deltas with id and name, then argument fragments")
    func toolStream() async throws {
        let chunks = try TestSupport.dataObjects(try await stream(AnthropicFixtures.toolStream)).map(JSONPath.init)
        let calls = chunks.compactMap { $0["choices", 0, "delta", "tool_calls", 0] as? [String: Any] }.map(JSONPath.init)
        #expect(calls.first?["id"] as? String == "toolu_01T1x1fJ34qAmk2tNTrN7Up6")
        #expect(calls.first?["function", "name"] as? String == "get_weather")
        let arguments = calls.compactMap { $0["function", "arguments"] as? String }.joined()
        #expect(JSONPath(try TestSupport.object(arguments))["unit"] as? String == "fahrenheit")
        #expect(chunks.contains { $0["choices", 0, "finish_reason"] as? String == "tool_calls" })
        #expect(chunks.last?["usage", "total_tokens"] as? Int == 561)
    }

    @Test("error events and cut streams fail the stream")
    func streamErrors() async throws {
        let start = AnthropicFixtures.textStream.components(separatedBy: "\n\n")[0] + "\n\n"
        do {
            _ = try await stream(start + "event: error\ndata: \(AnthropicFixtures.overloadedError)\n\n")
            Issue.record("expected a failure")
        } catch let failure as UpstreamFailure {
            #expect(failure.status == 529)
            #expect(failure.isRetryable)
        }
        await #expect(throws: StreamEndedEarly.self) { _ = try await stream(start) }
    }

    @Test("error bodies keep the type and message")
    func errorMessage() {
        #expect(AnthropicProvider.errorMessage(in: ByteBuffer(string: AnthropicFixtures.invalidRequestError))
            == "invalid_request_error: messages: roles must alternate")
    }
}
