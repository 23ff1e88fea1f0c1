import Foundation
import Testing

@testable import ShepherdCore

/// The byte reader is a fast path in front of JSONDecoder: whatever it returns must be what
/// JSONDecoder returns, and the common requests must not fall through to the slow path.
@Suite("Chat request byte reader")
struct ChatRequestReaderTests {
    static let png = "data:image/png;base64," + String(repeating: "iVBORw0KGgoAAAANSUhEUgAA", count: 40)

    /// Requests the reader must take itself, each as JSONDecoder reads it.
    static let common: [String] = [
        #"{"model":"chat","messages":[{"role":"user","content":"Hello"}]}"#,
        #"{"model":"bench","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hi"}],"temperature":0.2,"max_tokens":64}"#,
        #"{"model":"m","stream":true,"stream_options":{"include_usage":true,"other":1},"messages":[{"role":"user","content":"x"}],"user":"u-1","n":2,"top_p":1,"max_completion_tokens":10}"#,
        #"{"model":"m","messages":[{"role":"user","content":"tab\there \"quoted\" \\ \/ \u00e9 \ud83d\ude00 \n end"}],"stop":"\n\n"}"#,
        #"{"model":"m","messages":[{"role":"user","content":"é – 日本語 😀"}],"stop":["a","b"],"seed":7,"metadata":{"k":[1,{"x":"}]"}]}}"#,
        #"{ "model" : "m" , "messages" : [ { "role" : "user" , "content" : [ { "type" : "text" , "text" : "look" } , { "type" : "image_url" , "image_url" : { "url" : "https://example.com/a.png" , "detail" : "low" } } ] } ] }"#,
        #"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":"http://example.com/b.jpg"},{"type":"image_url","image_url":{"url":"\#(png)"}}]}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"UklGRiQAAABXQVZF","format":"wav"}},{"type":"file","file":{"file_id":"f1"}},{"type":"text","text":"and"}]}]}"#,
        #"{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","tool_call_id":"c1","content":"42"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"auto","response_format":{"type":"json_object"}}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x","name":"ann"}],"stream":null,"temperature":null,"tools":null,"user":null}"#,
        #"{"model":"m","messages":[{"role":"developer","content":"d"},{"role":"assistant"}],"temperature":1e-2,"top_p":-0.5}"#,
    ]

    /// Documents the reader must leave to JSONDecoder (which may accept or refuse them).
    static let unsure: [String] = [
        #"{"model":"m","model":"n","messages":[{"role":"user","content":"x"}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x","content":"y"}]}"#,
        #"{"model":"m","messages":[{"role":"wizard","content":"x"}]}"#,
        #"{"model":"m","messages":[{"role":"user"}]}"#,
        #"{"model":"m","messages":[{"role":"tool","content":"x"}]}"#,
        #"{"model":7,"messages":[]}"#,
        #"{"messages":[{"role":"user","content":"x"}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":10.5}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":1e3}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"n":99999999999999999999}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":1e999}"#,
        #"{"model":"m","messages":[{"role":"user","content":"lone \ud83d surrogate"}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x"}}]}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:text/plain;base64,aGk="}}]}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":[{"type":"hologram","hologram":{}}]}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"!!","format":"wav"}}]}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"retrieval"}]}"#,
        #"{"model":"m","messages":"hello"}"#,
    ]

    static func bytes(_ json: String) -> [UInt8] { Array(json.utf8) }

    static func viaDecoder(_ body: [UInt8]) -> ChatCompletionRequest? {
        try? JSONDecoder().decode(ChatCompletionRequest.self, from: Data(body))
    }

    static func viaReader(_ body: [UInt8]) -> ChatCompletionRequest? {
        guard let layout = try? TopLevelJSON(bytes: body) else { return nil }
        return ChatRequestReader.read(body, layout: layout)
    }

    /// A canonical form to compare two decoded requests by.
    static func canonical(_ request: ChatCompletionRequest) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(request), as: UTF8.self)
    }

    @Test("common requests are read without JSONDecoder, exactly as JSONDecoder reads them", arguments: common)
    func commonRequests(json: String) throws {
        let body = Self.bytes(json)
        let fast = try #require(Self.viaReader(body), "the reader fell back on: \(json)")
        let slow = try #require(Self.viaDecoder(body))
        #expect(try Self.canonical(fast) == Self.canonical(slow))
    }

    @Test("anything the reader is unsure of is left to JSONDecoder", arguments: unsure)
    func unsureDocuments(json: String) {
        #expect(Self.viaReader(Self.bytes(json)) == nil)
    }

    @Test("invalid UTF-8 anywhere, even in a member nobody reads, is left to JSONDecoder")
    func invalidUTF8() {
        var body = Self.bytes(#"{"model":"m","messages":[{"role":"user","content":"x"}],"extra":"ab"}"#)
        body.insert(0xFF, at: body.count - 3)
        #expect(Self.viaReader(body) == nil)
    }

    @Test("errors still come from JSONDecoder, worded as before")
    func errorsUnchanged() {
        #expect(throws: GatewayError.self) {
            try InboundChatRequest(body: Self.bytes(#"{"model":"m","messages":[{"role":"wizard","content":"x"}]}"#))
        }
        do {
            _ = try InboundChatRequest(body: Self.bytes(#"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x"}}]}]}"#))
            Issue.record("an ftp image URL was accepted")
        } catch {
            #expect(error.message.contains("image_url.url must be an http(s) URL or a data: URI"))
            #expect(error.param == "messages[0].content[0].image_url")
        }
    }

    /// Random single-byte changes to the corpus: whenever the reader returns a request,
    /// JSONDecoder must return the same one.
    @Test("mutated documents: whatever the reader accepts, JSONDecoder reads the same")
    func mutations() throws {
        var generator = SplitMix64(seed: 0x5EED_CAFE)
        let alphabet = Array(#"{}[]":,. \-+0123456789eE\ntrufalsnmodelmessagesrolecontenttypeimage_url"#.utf8)
        var accepted = 0
        var agreed = 0
        for _ in 0..<4000 {
            var body = Self.bytes(Self.common[Int(generator.next() % UInt64(Self.common.count))])
            for _ in 0..<(1 + Int(generator.next() % 3)) {
                let at = Int(generator.next() % UInt64(body.count))
                switch generator.next() % 3 {
                case 0: body[at] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 1: body.remove(at: at)
                default: body.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: at)
                }
            }
            guard let fast = Self.viaReader(body) else { continue }
            accepted += 1
            let slow = try #require(Self.viaDecoder(body), "the reader accepted what JSONDecoder refuses: \(String(decoding: body, as: UTF8.self))")
            #expect(try Self.canonical(fast) == Self.canonical(slow), "\(String(decoding: body, as: UTF8.self))")
            agreed += 1
        }
        #expect(accepted > 200, "too few mutated documents were accepted to say anything: \(accepted)")
        #expect(agreed == accepted)
    }
}

/// A small seeded generator, so a failing mutation can be replayed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
