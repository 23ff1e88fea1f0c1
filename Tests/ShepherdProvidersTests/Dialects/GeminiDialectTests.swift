import Foundation
import NIOCore
import ShepherdCore
import Testing

@testable import ShepherdProviders

@Suite("Gemini dialect")
struct GeminiDialectTests {
    @Test("the path names the model and the method")
    func path() {
        #expect(GeminiDialect.modelAndMethod("gemini-2.5-flash:generateContent")! == ("gemini-2.5-flash", false))
        #expect(GeminiDialect.modelAndMethod("chat:streamGenerateContent")! == ("chat", true))
        #expect(GeminiDialect.modelAndMethod("chat:countTokens") == nil)
        #expect(GeminiDialect.modelAndMethod("chat") == nil)
    }

    @Test("a documented snake_case request becomes a valid Chat Completions request")
    func request() throws {
        let bytes = try GeminiDialect.chatRequest(fromGenerateContent: Array(GeminiFixtures.functionCallRequest.utf8), model: "models/chat", stream: false)
        let inbound = try InboundChatRequest(body: bytes)
        let typed = inbound.typed
        #expect(inbound.model == "chat")
        #expect(typed.messages.map(\.role) == [.system, .user, .assistant, .tool])
        #expect(typed.messages[0].text == "You are a scheduling assistant.")
        guard case .parts(let parts) = typed.messages[1].content, case .imageURL(let image) = parts[1] else {
            Issue.record("expected an image part")
            return
        }
        #expect(image.url == "data:image/jpeg;base64,/9j/4AAQSkZJRg==")
        let call = try #require(typed.messages[2].toolCalls?.first)
        #expect(call.function.name == "schedule_meeting")
        #expect(typed.messages[3].toolCallID == call.id)
        #expect(JSONPath(try TestSupport.object(typed.messages[3].text))["meeting_id"] as? Int == 7)
        let parameters = try #require(typed.tools?.first?.function.parameters)
        #expect(parameters["type"] == .string("object"))
        #expect(parameters["properties"]?["attendees"]?["items"]?["type"] == .string("string"))
        #expect(typed.toolChoice?["function"]?["name"] == .string("schedule_meeting"))
        #expect(typed.temperature == 0.2 && typed.topP == 0.9 && typed.maxTokens == 256)
        #expect(typed.stop?.values == ["END"])
    }

    @Test("audio, video, PDF and file references map to OpenAI parts; JSON schema output")
    func media() throws {
        let body = #"""
            {"contents":[{"parts":[
              {"inlineData":{"mimeType":"audio/mp3","data":"SUQz"}},
              {"inlineData":{"mimeType":"video/mp4","data":"AAAAIGZ0eXA="}},
              {"inlineData":{"mimeType":"application/pdf","data":"JVBERi0="}},
              {"fileData":{"mimeType":"video/mp4","fileUri":"https://www.youtube.com/watch?v=9hE5-98ZeCg"}}
             ]}],
             "generationConfig":{"responseMimeType":"application/json","responseSchema":{"type":"OBJECT","properties":{"n":{"type":"INTEGER"}}}}}
            """#
        let typed = try InboundChatRequest(body: try GeminiDialect.chatRequest(fromGenerateContent: Array(body.utf8), model: "m", stream: true)).typed
        #expect(typed.stream == true && typed.streamOptions?.includeUsage == true)
        guard case .parts(let parts) = typed.messages[0].content, parts.count == 4 else {
            Issue.record("expected four parts")
            return
        }
        if case .inputAudio(let audio) = parts[0] { #expect(audio.format == "mp3") } else { Issue.record("audio") }
        if case .videoURL(let url) = parts[1] { #expect(url.hasPrefix("data:video/mp4;base64,")) } else { Issue.record("video") }
        if case .file(let file) = parts[2] { #expect(file.fileData == "data:application/pdf;base64,JVBERi0=") } else { Issue.record("pdf") }
        if case .videoURL(let url) = parts[3] { #expect(url.contains("youtube")) } else { Issue.record("video ref") }
        #expect(typed.responseFormat?["type"] == .string("json_schema"))
        #expect(typed.responseFormat?["json_schema"]?["schema"]?["properties"]?["n"]?["type"] == .string("integer"))
    }

    @Test("a chat.completion becomes a GenerateContentResponse")
    func response() throws {
        let body = #"""
            {"id":"chatcmpl-9","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,
             "message":{"role":"assistant","content":"Booked.","tool_calls":[{"id":"call_1","type":"function",
             "function":{"name":"schedule_meeting","arguments":"{\"date\":\"2025-03-27\"}"}}]},"finish_reason":"length"}],
             "usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120,"prompt_tokens_details":{"cached_tokens":40}}}
            """#
        let json = JSONPath(try TestSupport.object(try GeminiDialect.generateContentResponse(fromChatCompletion: Array(body.utf8))))
        #expect(json["candidates", 0, "content", "role"] as? String == "model")
        #expect(json["candidates", 0, "content", "parts", 0, "text"] as? String == "Booked.")
        #expect(json["candidates", 0, "content", "parts", 1, "functionCall", "args", "date"] as? String == "2025-03-27")
        #expect(json["candidates", 0, "finishReason"] as? String == "MAX_TOKENS")
        #expect(json["usageMetadata", "promptTokenCount"] as? Int == 100)
        #expect(json["usageMetadata", "candidatesTokenCount"] as? Int == 20)
        #expect(json["usageMetadata", "cachedContentTokenCount"] as? Int == 40)
        #expect(json["modelVersion"] as? String == "gpt-4o")
    }

    @Test("a chunk stream becomes Gemini SSE: text slices, then calls, finish and usage")
    func stream() async throws {
        let openAI = [
            #"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}"#,
            #"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\""}}]}}]}"#,
            #"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]},"finish_reason":"tool_calls"}]}"#,
            #"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}"#,
            "[DONE]",
        ].map { "data: \($0)\n\n" }.joined()
        let out = try await TestSupport.collect(GeminiDialect.generateContentStream(fromChatStream: TestSupport.chunked(openAI)))
        #expect(!out.contains("[DONE]"))
        let responses = try TestSupport.dataObjects(out).map(JSONPath.init)
        #expect(responses.count == 2)
        #expect(responses[0]["candidates", 0, "content", "parts", 0, "text"] as? String == "Hi")
        #expect(responses[1]["candidates", 0, "content", "parts", 0, "functionCall", "name"] as? String == "f")
        #expect(responses[1]["candidates", 0, "content", "parts", 0, "functionCall", "args", "a"] as? Int == 1)
        #expect(responses[1]["candidates", 0, "finishReason"] as? String == "STOP")
        #expect(responses[1]["usageMetadata", "totalTokenCount"] as? Int == 15)
    }

    @Test("errors: Google's envelope with the canonical status name, in and out of streams")
    func errors() async throws {
        let json = JSONPath(try TestSupport.object(GeminiDialect.errorBody(GatewayError(.rateLimitExceeded, "slow down"))))
        #expect(json["error", "code"] as? Int == 429)
        #expect(json["error", "status"] as? String == "RESOURCE_EXHAUSTED")
        #expect(json["error", "message"] as? String == "slow down")
        #expect(GeminiDialect.statusName(forStatus: 400) == "INVALID_ARGUMENT")
        #expect(GeminiDialect.statusName(forStatus: 401) == "UNAUTHENTICATED")
        #expect(GeminiDialect.statusName(forStatus: 504) == "DEADLINE_EXCEEDED")
        let broken = "event: error\ndata: " + String(decoding: GatewayError(.upstreamTimeout, "late").openAIEnvelope(), as: UTF8.self) + "\n\n"
        let out = try await TestSupport.collect(GeminiDialect.generateContentStream(fromChatStream: TestSupport.chunked(broken)))
        let event = JSONPath(try #require(try TestSupport.dataObjects(out).first))
        #expect(event["error", "status"] as? String == "DEADLINE_EXCEEDED")
    }

    @Test("snake_case names are rewritten in Gemini's members only, never in the client's own JSON")
    func keyNames() throws {
        let body = #"""
            {"contents":[{"role":"model","parts":[{"function_call":{"name":"f","args":{"mime_type":"kept","top_p":1}}}]}],
             "tools":[{"function_declarations":[{"name":"f","parameters":{"type":"object","properties":{"file_uri":{"type":"string"}}}}]}]}
            """#
        let typed = try InboundChatRequest(body: try GeminiDialect.chatRequest(fromGenerateContent: Array(body.utf8), model: "m", stream: false)).typed
        let arguments = try #require(typed.messages.first?.toolCalls?.first?.function.arguments)
        #expect(JSONPath(try TestSupport.object(arguments))["mime_type"] as? String == "kept")
        #expect(typed.tools?.first?.function.parameters?["properties"]?["file_uri"] != nil)
    }

    @Test("a function response naming its call's id pairs with that call, even when the call carried a thought signature")
    func responseIDWithSignature() throws {
        let body = #"""
            {"contents":[{"role":"user","parts":[{"text":"Book it"}]},
              {"role":"model","parts":[{"functionCall":{"id":"abc","name":"f","args":{}},"thoughtSignature":"c2ln"}]},
              {"role":"user","parts":[{"functionResponse":{"id":"abc","name":"f","response":{"ok":true}}}]}]}
            """#
        let typed = try InboundChatRequest(body: try GeminiDialect.chatRequest(fromGenerateContent: Array(body.utf8), model: "m", stream: false)).typed
        let call = try #require(typed.messages[1].toolCalls?.first)
        #expect(call.id == "call_abc" + GeminiToolCallID.separator + "c2ln")
        #expect(typed.messages[2].toolCallID == call.id)
    }
}
