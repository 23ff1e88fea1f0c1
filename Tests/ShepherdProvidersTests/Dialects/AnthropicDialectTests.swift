import Foundation
import NIOCore
import ShepherdCore
import Testing

@testable import ShepherdProviders

@Suite("Anthropic dialect")
struct AnthropicDialectTests {
    @Test("a documented Messages request becomes a valid Chat Completions request")
    func request() throws {
        let bytes = try AnthropicDialect.chatRequest(fromMessagesRequest: Array(AnthropicFixtures.toolRequest.utf8))
        let inbound = try InboundChatRequest(body: bytes)  // what the gateway will do with it
        let messages = inbound.typed.messages
        #expect(inbound.model == "claude-opus-4-1-20250805")
        #expect(inbound.typed.maxTokens == 1024)
        #expect(inbound.typed.toolChoice == .string("required"))
        #expect(inbound.typed.tools?.first?.function.name == "get_weather")
        #expect(messages.map(\.role) == [.system, .user, .assistant, .tool, .user])
        #expect(messages[0].text == "You are a weather bot.")
        guard case .parts(let parts) = messages[1].content else {
            Issue.record("expected parts")
            return
        }
        guard case .imageURL(let inline) = parts[1], case .imageURL(let remote) = parts[2], case .file(let pdf) = parts[3] else {
            Issue.record("unexpected parts \(parts)")
            return
        }
        #expect(inline.url == "data:image/jpeg;base64,/9j/4AAQSkZJRg==")
        #expect(remote.url.hasPrefix("https://upload.wikimedia.org/"))
        #expect(pdf.fileData == "data:application/pdf;base64,JVBERi0xLjQK")
        #expect(messages[2].toolCalls?.first?.id == "toolu_01A09q90qw90lq917835lq9")
        #expect(messages[2].toolCalls?.first?.function.arguments == #"{"location":"San Francisco, CA"}"#)
        #expect(messages[3].toolCallID == "toolu_01A09q90qw90lq917835lq9")
        #expect(messages[3].text == "15 degrees")
        #expect(messages[4].text == "And in Celsius?")
    }

    @Test("a streamed request asks for usage; malformed requests are 400s naming the field")
    func streamAndInvalid() throws {
        let bytes = try AnthropicDialect.chatRequest(fromMessagesRequest: Array(#"{"model":"c","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#.utf8))
        let typed = try InboundChatRequest(body: bytes).typed
        #expect(typed.stream == true && typed.streamOptions?.includeUsage == true)
        do {
            _ = try AnthropicDialect.chatRequest(fromMessagesRequest: Array(#"{"model":"c","messages":[{"role":"user"}]}"#.utf8))
            Issue.record("expected a 400")
        } catch {
            #expect(error.status == 400)
            #expect(error.param == "messages.0.content")
        }
    }

    @Test("a chat.completion becomes a Messages response: text, tool_use, stop reason, usage")
    func response() throws {
        let body = #"""
            {"id":"chatcmpl-9","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,
             "message":{"role":"assistant","content":"Let me look.","tool_calls":[{"id":"call_1","type":"function",
             "function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120,"prompt_tokens_details":{"cached_tokens":40}}}
            """#
        let json = JSONPath(try TestSupport.object(try AnthropicDialect.messagesResponse(fromChatCompletion: Array(body.utf8))))
        #expect(json["type"] as? String == "message")
        #expect(json["id"] as? String == "msg_9")
        #expect(json["role"] as? String == "assistant")
        #expect(json["content", 0, "text"] as? String == "Let me look.")
        #expect(json["content", 1, "type"] as? String == "tool_use")
        #expect(json["content", 1, "input", "location"] as? String == "Paris")
        #expect(json["stop_reason"] as? String == "tool_use")
        #expect(json["usage", "input_tokens"] as? Int == 60)
        #expect(json["usage", "cache_read_input_tokens"] as? Int == 40)
        #expect(json["usage", "output_tokens"] as? Int == 20)
    }

    @Test("a chunk stream becomes Anthropic's event sequence, tool calls included")
    func stream() async throws {
        let openAI = [
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hel"}}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"lo"}}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]}}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1}"}}]}}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}"#,
            "[DONE]",
        ].map { "data: \($0)\n\n" }.joined()
        let out = try await TestSupport.collect(AnthropicDialect.messagesStream(fromChatStream: TestSupport.chunked(openAI)))
        let events = TestSupport.events(out)
        #expect(events.map { $0.event ?? "" } == [
            "message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
            "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
        ])
        let data = try events.map { JSONPath(try TestSupport.object($0.data)) }
        #expect(data[0]["message", "id"] as? String == "msg_1")
        #expect(data[2]["delta", "text"] as? String == "Hel")
        #expect(data[5]["index"] as? Int == 1)
        #expect(data[5]["content_block", "name"] as? String == "f")
        #expect(data[6]["delta", "partial_json"] as? String == #"{"a":1}"#)
        #expect(data[8]["delta", "stop_reason"] as? String == "tool_use")
        #expect(data[8]["usage", "input_tokens"] as? Int == 10)
        #expect(data[8]["usage", "output_tokens"] as? Int == 5)
    }

    @Test("a relay error event becomes Anthropic's error event")
    func streamError() async throws {
        let openAI = #"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"x"}}]}"# + "\n\n"
            + "event: error\ndata: " + String(decoding: GatewayError(.upstreamError, "boom").openAIEnvelope(), as: UTF8.self) + "\n\ndata: [DONE]\n\n"
        let events = TestSupport.events(try await TestSupport.collect(AnthropicDialect.messagesStream(fromChatStream: TestSupport.chunked(openAI))))
        #expect(events.last?.event == "error")
        let error = JSONPath(try TestSupport.object(try #require(events.last).data))
        #expect(error["error", "type"] as? String == "api_error")
        #expect(error["error", "message"] as? String == "boom")
    }

    @Test("gateway errors map to Anthropic error types by status")
    func errors() throws {
        let json = JSONPath(try TestSupport.object(AnthropicDialect.errorBody(GatewayError(.rateLimitExceeded, "slow down"))))
        #expect(json["type"] as? String == "error")
        #expect(json["error", "type"] as? String == "rate_limit_error")
        #expect(json["error", "message"] as? String == "slow down")
        let expected: [(GatewayError.Code, String)] = [
            (.invalidRequest, "invalid_request_error"), (.invalidAPIKey, "authentication_error"),
            (.modelNotAllowed, "permission_error"), (.modelNotFound, "not_found_error"),
            (.requestTooLarge, "request_too_large"), (.upstreamError, "api_error"),
            (.noHealthyUpstream, "overloaded_error"), (.upstreamTimeout, "timeout_error"),
        ]
        for (code, type) in expected {
            #expect(AnthropicDialect.errorType(forStatus: GatewayError(code, "x").status) == type)
        }
    }
}
