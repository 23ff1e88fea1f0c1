import Foundation
import NIOCore
import ShepherdCore
import Testing

@testable import ShepherdProviders

@Suite("Gemini translation")
struct GeminiTranslationTests {
    func translate(_ json: String) throws -> [String: Any] {
        let request = try GeminiRequestTranslator.translate(try TestSupport.typed(json))
        return try TestSupport.object(try WireJSON.encode(request))
    }

    @Test("system, roles, every content kind and the generation settings")
    func requestContent() throws {
        let body = try translate(#"""
            {"model": "m", "temperature": 0.3, "top_p": 0.8, "max_completion_tokens": 99, "max_tokens": 5,
             "stop": "END", "n": 2,
             "messages": [
              {"role": "system", "content": "Be brief."},
              {"role": "developer", "content": "Answer in French."},
              {"role": "user", "content": [
                {"type": "text", "text": "Describe these."},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.webp?size=2"}},
                {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
                {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"}},
                {"type": "file", "file": {"file_data": "JVBERi0=", "filename": "b.pdf"}},
                {"type": "video_url", "video_url": {"url": "https://www.youtube.com/watch?v=9hE5-98ZeCg"}},
                {"type": "video_url", "video_url": {"url": "data:video/mp4;base64,AAAAIGZ0eXA="}}
              ]},
              {"role": "assistant", "content": "Voilà."},
              {"role": "user", "content": "Merci"}
             ]}
            """#)
        let json = JSONPath(body)
        #expect(json["systemInstruction", "parts", 0, "text"] as? String == "Be brief.")
        #expect(json["systemInstruction", "parts", 1, "text"] as? String == "Answer in French.")
        #expect(json["contents", 0, "role"] as? String == "user")
        #expect(json["contents", 1, "role"] as? String == "model")
        #expect(json["contents", 2, "parts", 0, "text"] as? String == "Merci")
        let parts = "contents"
        #expect(json[parts, 0, "parts", 1, "inlineData", "mimeType"] as? String == "image/png")
        #expect(json[parts, 0, "parts", 1, "inlineData", "data"] as? String == "iVBORw0KGgo=")
        #expect(json[parts, 0, "parts", 2, "fileData", "fileUri"] as? String == "https://example.com/cat.webp?size=2")
        #expect(json[parts, 0, "parts", 2, "fileData", "mimeType"] as? String == "image/webp")
        #expect(json[parts, 0, "parts", 3, "inlineData", "mimeType"] as? String == "audio/wav")
        #expect(json[parts, 0, "parts", 4, "inlineData", "mimeType"] as? String == "application/pdf")
        #expect(json[parts, 0, "parts", 4, "inlineData", "data"] as? String == "JVBERi0=")
        #expect(json[parts, 0, "parts", 5, "inlineData", "mimeType"] as? String == "application/pdf")
        #expect(json[parts, 0, "parts", 6, "fileData", "mimeType"] as? String == "video/mp4")
        #expect(json[parts, 0, "parts", 7, "inlineData", "mimeType"] as? String == "video/mp4")
        #expect(json["generationConfig", "temperature"] as? Double == 0.3)
        #expect(json["generationConfig", "topP"] as? Double == 0.8)
        #expect(json["generationConfig", "maxOutputTokens"] as? Int == 99)
        #expect(json["generationConfig", "stopSequences"] as? [String] == ["END"])
        #expect(json["generationConfig", "candidateCount"] as? Int == 2)
    }

    @Test("tools, tool calls and results by name, tool_choice, and a strict JSON schema")
    func requestTools() throws {
        let body = try translate(#"""
            {"model": "m",
             "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
               "parameters": {"type": "object", "additionalProperties": false, "properties": {
                 "city": {"type": "string"}, "unit": {"type": ["string", "null"], "enum": ["c", "f"]}}, "required": ["city"]}}}],
             "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
             "response_format": {"type": "json_schema", "json_schema": {"name": "w", "strict": true,
               "schema": {"type": "object", "additionalProperties": false, "properties": {"t": {"type": "number"}}}}},
             "messages": [
              {"role": "user", "content": "Weather in Paris and Rome?"},
              {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
                {"id": "call_b__thought__c2ln", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Rome\"}"}}]},
              {"role": "tool", "tool_call_id": "call_a", "content": "{\"t\": 21}"},
              {"role": "tool", "tool_call_id": "call_b__thought__c2ln", "content": "sunny"}
             ]}
            """#)
        let json = JSONPath(body)
        let declaration = "functionDeclarations"
        #expect(json["tools", 0, declaration, 0, "name"] as? String == "get_weather")
        #expect(json["tools", 0, declaration, 0, "parameters", "additionalProperties"] == nil)
        #expect(json["tools", 0, declaration, 0, "parameters", "properties", "unit", "type"] as? String == "string")
        #expect(json["tools", 0, declaration, 0, "parameters", "properties", "unit", "nullable"] as? Bool == true)
        #expect(json["toolConfig", "functionCallingConfig", "mode"] as? String == "ANY")
        #expect(json["toolConfig", "functionCallingConfig", "allowedFunctionNames"] as? [String] == ["get_weather"])
        #expect(json["generationConfig", "responseMimeType"] as? String == "application/json")
        #expect(json["generationConfig", "responseSchema", "additionalProperties"] == nil)
        #expect(json["generationConfig", "responseSchema", "properties", "t", "type"] as? String == "number")
        // The model's calls: the first carries a placeholder signature, the second its own.
        #expect(json["contents", 1, "role"] as? String == "model")
        #expect(json["contents", 1, "parts", 0, "functionCall", "args", "city"] as? String == "Paris")
        #expect(json["contents", 1, "parts", 0, "thoughtSignature"] as? String == "skip_thought_signature_validator")
        #expect(json["contents", 1, "parts", 1, "thoughtSignature"] as? String == "c2ln")
        // Both results in one user turn, named by function; JSON results kept as objects.
        #expect(json["contents", 2, "role"] as? String == "user")
        #expect(json["contents", 2, "parts", 0, "functionResponse", "name"] as? String == "get_weather")
        #expect(json["contents", 2, "parts", 0, "functionResponse", "response", "t"] as? Int == 21)
        #expect(json["contents", 2, "parts", 1, "functionResponse", "response", "content"] as? String == "sunny")
    }

    @Test("a tool result for an unknown call is refused before sending")
    func unknownToolCall() throws {
        let request = try TestSupport.typed(#"{"model":"m","messages":[{"role":"user","content":"x"},{"role":"tool","tool_call_id":"nope","content":"r"}]}"#)
        #expect(throws: TranslationError.self) { try GeminiRequestTranslator.translate(request) }
    }

    func completion(_ fixture: String) throws -> JSONPath {
        let response = try WireJSON.decode(GeminiWire.Response.self, from: fixture)
        let completion = GeminiResponseTranslator.translate(response, id: "chatcmpl-1", created: 7, model: "gemini-x")
        return JSONPath(try TestSupport.object(try WireJSON.encode(completion)))
    }

    @Test("text answer: choices, finish reason, usage with thoughts and cache")
    func textResponse() throws {
        let json = try completion(GeminiFixtures.textResponse)
        #expect(json["object"] as? String == "chat.completion")
        #expect(json["model"] as? String == "gemini-2.5-flash")
        #expect(json["choices", 0, "message", "role"] as? String == "assistant")
        #expect(json["choices", 0, "message", "content"] as? String == "Once upon a time, a magic backpack...")
        #expect(json["choices", 0, "finish_reason"] as? String == "stop")
        #expect(json["usage", "prompt_tokens"] as? Int == 8)
        #expect(json["usage", "completion_tokens"] as? Int == 417)
        #expect(json["usage", "total_tokens"] as? Int == 425)
        #expect(json["usage", "prompt_tokens_details", "cached_tokens"] as? Int == 4)
    }

    @Test("function call answer: tool_calls with the signature kept in the id")
    func functionCallResponse() throws {
        let json = try completion(GeminiFixtures.functionCallResponse)
        #expect(json["choices", 0, "finish_reason"] as? String == "tool_calls")
        #expect(json["choices", 0, "message", "tool_calls", 0, "function", "name"] as? String == "schedule_meeting")
        let arguments = try #require(json["choices", 0, "message", "tool_calls", 0, "function", "arguments"] as? String)
        #expect(JSONPath(try TestSupport.object(arguments))["attendees", 1] as? String == "Alice")
        let id = try #require(json["choices", 0, "message", "tool_calls", 0, "id"] as? String)
        #expect(id.hasPrefix("call_"))
        #expect(GeminiToolCallID.signature(in: id) == "c2lnbmF0dXJl")
    }

    @Test("safety finishes and blocked prompts become content_filter")
    func safety() throws {
        let stopped = try completion(#"{"candidates":[{"content":{"role":"model"},"finishReason":"SAFETY","index":0}]}"#)
        #expect(stopped["choices", 0, "finish_reason"] as? String == "content_filter")
        let blocked = try completion(GeminiFixtures.blockedPrompt)
        #expect(blocked["choices", 0, "finish_reason"] as? String == "content_filter")
        #expect((blocked["choices", 0, "message", "refusal"] as? String)?.contains("SAFETY") == true)
        #expect(blocked["usage", "prompt_tokens"] as? Int == 9)
        for (reason, expected) in [("MAX_TOKENS", "length"), ("RECITATION", "content_filter"), ("BLOCKLIST", "content_filter"),
                                   ("PROHIBITED_CONTENT", "content_filter"), ("STOP", "stop")] {
            #expect(GeminiResponseTranslator.finishReason(reason) == expected)
        }
    }

    func stream(_ sse: String) async throws -> String {
        let translator = GeminiStreamTranslator(id: "chatcmpl-s", created: 1, model: "gemini-x") { code, message in
            UpstreamFailure(provider: "g", model: "gemini-x", kind: .status(code), message: message)
        }
        return try await TestSupport.collect(SSETranslation.run(TestSupport.chunked(sse), with: translator))
    }

    @Test("text stream: role first, text deltas, finish, usage chunk, [DONE]")
    func textStream() async throws {
        let out = try await stream(GeminiFixtures.textStream)
        let chunks = try TestSupport.dataObjects(out).map(JSONPath.init)
        #expect(out.hasSuffix("data: [DONE]\n\n"))
        #expect(chunks.count == 4)
        #expect(chunks[0]["choices", 0, "delta", "role"] as? String == "assistant")
        let text = chunks.compactMap { $0["choices", 0, "delta", "content"] as? String }.joined()
        #expect(text == "The quick brown fox jumps.")
        #expect(chunks[2]["choices", 0, "finish_reason"] as? String == "stop")
        #expect(chunks[3]["choices"] as? [Any] != nil && (chunks[3]["choices"] as? [Any])?.isEmpty == true)
        #expect(chunks[3]["usage", "completion_tokens"] as? Int == 12)
        #expect(chunks[0]["object"] as? String == "chat.completion.chunk")
    }

    @Test("function call stream: a whole tool-call delta and finish tool_calls")
    func toolStream() async throws {
        let event = GeminiFixtures.functionCallResponse.replacingOccurrences(of: "\n", with: " ")
        let out = try await stream("data: \(event)\r\n\r\n")
        let chunks = try TestSupport.dataObjects(out).map(JSONPath.init)
        #expect(chunks[0]["choices", 0, "delta", "tool_calls", 0, "index"] as? Int == 0)
        #expect(chunks[0]["choices", 0, "delta", "tool_calls", 0, "function", "name"] as? String == "schedule_meeting")
        #expect(chunks[0]["choices", 0, "finish_reason"] as? String == "tool_calls")
        #expect(chunks.last?["usage", "prompt_tokens"] as? Int == 120)
    }

    @Test("an error event mid-stream ends the stream with its status")
    func streamError() async throws {
        let first = GeminiFixtures.textStream.components(separatedBy: "\r\n\r\n")[0]
        do {
            _ = try await stream(first + "\r\n\r\ndata: " + GeminiFixtures.quotaError + "\r\n\r\n")
            Issue.record("expected the stream to fail")
        } catch let failure as UpstreamFailure {
            #expect(failure.status == 429)
            #expect(failure.message.contains("exhausted"))
        }
    }

    @Test("error bodies keep Google's status name and message")
    func errorMessage() {
        #expect(GeminiProvider.errorMessage(in: ByteBuffer(string: GeminiFixtures.invalidKeyError))
            == "INVALID_ARGUMENT: API key not valid. Please pass a valid API key.")
        #expect(GeminiProvider.errorMessage(in: ByteBuffer(string: "<html>")) == nil)
    }
}
