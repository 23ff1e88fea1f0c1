import Foundation
import Testing

@testable import ShepherdCore

@Suite("Chat Completions wire format")
struct WireFormatTests {
    func parse(_ json: String) throws(GatewayError) -> InboundChatRequest {
        try InboundChatRequest(body: Array(json.utf8))
    }

    func failure(_ json: String) -> GatewayError? {
        do {
            _ = try parse(json)
            return nil
        } catch {
            return error
        }
    }

    static let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

    @Test("every content part kind decodes")
    func everyPart() throws {
        let request = try parse("""
            {"model":"chat","messages":[{"role":"user","content":[
              {"type":"text","text":"look"},
              {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg","detail":"high"}},
              {"type":"image_url","image_url":{"url":"\(Self.png)"}},
              {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}},
              {"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0=","filename":"a.pdf"}},
              {"type":"file","file":{"file_id":"file-123"}},
              {"type":"video_url","video_url":{"url":"data:video/mp4;base64,AAAAIGZ0eXA="}}
            ]}]}
            """)
        guard case .parts(let parts) = request.typed.messages[0].content else {
            Issue.record("expected parts")
            return
        }
        #expect(parts.count == 7)
        #expect(request.typed.messages[0].text == "look")
    }

    @Test("tools, tool calls and tool results decode")
    func tools() throws {
        let request = try parse("""
            {"model":"chat","tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],
             "tool_choice":{"type":"function","function":{"name":"get_weather"}},
             "messages":[{"role":"user","content":"weather?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"sunny"}]}
            """)
        #expect(request.typed.tools?.first?.function.name == "get_weather")
        #expect(request.typed.messages[1].toolCalls?.first?.id == "call_1")
        #expect(request.typed.messages[2].toolCallID == "call_1")
    }

    @Test("bad inputs name the field at fault", arguments: [
        (#"{"messages":[{"role":"user","content":"x"}]}"#, "model"),
        (#"{"model":"chat"}"#, "messages"),
        (#"{"model":"chat","messages":"hi"}"#, "messages"),
        (#"{"model":"chat","messages":[]}"#, "messages"),
        (#"{"model":5,"messages":[{"role":"user","content":"x"}]}"#, "model"),
        (#"{"model":"chat","messages":[{"role":"wizard","content":"x"}]}"#, "messages[0].role"),
        (#"{"model":"chat","messages":[{"role":"user"}]}"#, "messages[0].content"),
        (#"{"model":"chat","messages":[{"role":"user","content":[{"type":"hologram"}]}]}"#, "messages[0].content[0].type"),
        (#"{"model":"chat","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x"}}]}]}"#, "messages[0].content[0].image_url"),
        (#"{"model":"chat","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:text/plain;base64,aGk="}}]}]}"#, "messages[0].content[0].image_url"),
        (#"{"model":"chat","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"!!","format":"wav"}}]}]}"#, "messages[0].content[0].input_audio"),
        (#"{"model":"chat","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AAAA","format":"midi"}}]}]}"#, "messages[0].content[0].input_audio"),
        (#"{"model":"chat","messages":[{"role":"user","content":[{"type":"file","file":{}}]}]}"#, "messages[0].content[0].file"),
        (#"{"model":"chat","messages":[{"role":"tool","content":"x"}]}"#, "messages[0].tool_call_id"),
        (#"{"model":"chat","stream":"yes","messages":[{"role":"user","content":"x"}]}"#, "stream"),
        (#"{"model":"chat","n":0,"messages":[{"role":"user","content":"x"}]}"#, "n"),
        (#"{"model":"chat","tools":[{"type":"retrieval"}],"messages":[{"role":"user","content":"x"}]}"#, "tools[0].type"),
    ])
    func badInput(_ json: String, _ param: String) throws {
        let error = try #require(failure(json))
        #expect(error.code == .invalidRequest)
        #expect(error.status == 400)
        #expect(error.param == param, "\(error.message)")
    }

    @Test("malformed JSON is a 400 that says where")
    func malformed() throws {
        let error = try #require(failure(#"{"model": "chat", "messages": [}"#))
        #expect(error.code == .invalidRequest)
        #expect(error.message.contains("byte"))
    }

    @Test("usage reads cached tokens and tolerates missing details")
    func usage() throws {
        let usage = try JSONDecoder().decode(Usage.self, from: Data(#"{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120,"prompt_tokens_details":{"cached_tokens":60}}"#.utf8))
        #expect(usage.cachedTokens == 60)
        let bare = try JSONDecoder().decode(Usage.self, from: Data(#"{"prompt_tokens":5,"completion_tokens":2}"#.utf8))
        #expect(bare.totalTokens == 7 && bare.cachedTokens == 0)
    }

    @Test("the error envelope has OpenAI's four members and the status table holds")
    func envelope() throws {
        let error = GatewayError(.modelNotAllowed, "no \"quotes\" problem", param: "model")
        let object = try JSONSerialization.jsonObject(with: Data(error.openAIEnvelope())) as? [String: [String: Any]]
        let body = try #require(object?["error"])
        #expect(body["message"] as? String == "no \"quotes\" problem")
        #expect(body["type"] as? String == "permission_error")
        #expect(body["param"] as? String == "model")
        #expect(body["code"] as? String == "model_not_allowed")
        let table: [(GatewayError.Code, Int)] = [
            (.invalidRequest, 400), (.contextLengthExceeded, 400), (.invalidAPIKey, 401), (.modelNotAllowed, 403),
            (.modelNotFound, 404), (.requestTooLarge, 413), (.rateLimitExceeded, 429), (.budgetExceeded, 429),
            (.upstreamError, 502), (.noHealthyUpstream, 503), (.upstreamTimeout, 504),
        ]
        for (code, status) in table { #expect(GatewayError(code, "").status == status) }
    }
}
