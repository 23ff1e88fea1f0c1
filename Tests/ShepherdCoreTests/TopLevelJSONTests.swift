import Testing

@testable import ShepherdCore

@Suite("Raw JSON passthrough")
struct TopLevelJSONTests {
    @Test("splicing model keeps every other byte, number and key order")
    func spliceKeepsBytes() throws {
        let body = #"{"temperature":1.50,"model":"chat","x_vendor":{"z":1,"a":[1e400,-0.0]},"n":1}"#
        let request = try InboundChatRequest(body: Array(#"{"messages":[{"role":"user","content":"hi"}],"#.utf8) + Array(body.dropFirst().utf8))
        let upstream = String(decoding: request.body(forUpstreamModel: "gpt-4o"), as: UTF8.self)
        #expect(upstream == #"{"messages":[{"role":"user","content":"hi"}],"temperature":1.50,"model":"gpt-4o","x_vendor":{"z":1,"a":[1e400,-0.0]},"n":1}"#)
    }

    @Test("a model name needing escapes is written as valid JSON")
    func spliceEscapes() throws {
        let request = try InboundChatRequest(body: Array(#"{"model":"chat","messages":[{"role":"user","content":"hi"}]}"#.utf8))
        let upstream = String(decoding: request.body(forUpstreamModel: "a\"b\\c"), as: UTF8.self)
        #expect(upstream == #"{"model":"a\"b\\c","messages":[{"role":"user","content":"hi"}]}"#)
    }

    @Test("members and ranges are found, escaped keys decoded")
    func members() throws {
        let bytes = Array(#" { "a" : [1, {"b": "}"}] , "m\u006fdel" : "x" } "#.utf8)
        let layout = try TopLevelJSON(bytes: bytes)
        #expect(layout.members.map(\.key) == ["a", "model"])
        let range = try #require(layout.range(of: "model"))
        #expect(String(decoding: bytes[range], as: UTF8.self) == "\"x\"")
    }

    @Test("malformed documents are refused", arguments: [
        "", "[]", "{", "{\"a\":}", "{\"a\":1,}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":tru}", "{\"a\":\"\u{01}\"}",
        "{\"a\":\"\\x\"}", "{\"a\":1} x", "{a:1}", "{\"a\":[1,2}", "{\"a\":\"\\u12G4\"}", "{\"a\":-}",
    ])
    func malformed(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try TopLevelJSON(bytes: Array(text.utf8)) }
    }

    @Test("deep nesting is refused rather than overflowing the stack")
    func deepNesting() {
        let text = "{\"a\":" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        #expect(throws: JSONSyntaxError.self) { try TopLevelJSON(bytes: Array(text.utf8)) }
    }

    @Test("JSONWriter writes nested values with correct commas and escapes")
    func writer() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("a"); writer.string("q\"\n\u{01}")
        writer.key("b"); writer.beginArray(); writer.int(1); writer.null(); writer.bool(true); writer.beginObject(); writer.endObject(); writer.endArray()
        writer.key("c"); writer.raw(Array("1.50".utf8))
        writer.endObject()
        #expect(writer.string == #"{"a":"q\"\n\u0001","b":[1,null,true,{}],"c":1.50}"#)
    }
}
