import Testing

@testable import ShepherdCore

/// A streamed chunk read from its bytes must be what JSONDecoder reads, and the chunks real
/// upstreams send must not fall through to JSONDecoder.
@Suite("Stream chunk reader")
struct StreamChunkTests {
    /// Read by the byte reader itself.
    static let common: [String] = [
        #"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
        #"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hel\"lo\n\u00e9"},"logprobs":null,"finish_reason":null}]}"#,
        #"{"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
        #"{"id":"c1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}}"#,
        #"{"id":"c1","choices":[{"index":1,"delta":{"content":"other"}},{"index":0,"delta":{"content":"mine"},"finish_reason":"length"}]}"#,
        #"{"choices":[{"delta":{"content":"no index"}}],"usage":null}"#,
        #"{"choices":null}"#,
        #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1}"}}]}}],"system_fingerprint":"fp"}"#,
        #"{"choices":[{"index":0,"delta":null}]}"#,
        #"{"choices":[{"index":0,"delta":{"content":"héllo, 日本 🙂"}}]}"#,
        #"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"choices":[{"index":0,"delta":{"content":"many members"}}]}"#,
        #"{}"#,
    ]

    /// Left to JSONDecoder, which may read them or not.
    static let unsure: [String] = [
        #"{"choices":[{"index":"0","delta":{"content":"x"}}]}"#,
        #"{"choices":[{"index":0.5,"delta":{"content":"x"}}]}"#,
        #"{"choices":[{"index":0,"delta":{"content":7}}]}"#,
        #"{"choices":[{"index":0,"delta":"text"}]}"#,
        #"{"choices":{"index":0}}"#,
        #"{"choices":[],"choices":[{"index":0}]}"#,
        #"{"choices":[{"index":0,"index":1}]}"#,
        #"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"choices":[],"i":10}"#,
        #"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"a":0}"#,
        #"{"usage":{"prompt_tokens":"9"}}"#,
        #"[1,2]"#,
        #"{"choices":[{"index":0,"delta":{"content":"cut"#,
        #"not json"#,
    ]

    @Test("the chunks upstreams send are read from their bytes, as JSONDecoder reads them", arguments: common)
    func readFromBytes(_ payload: String) throws {
        let bytes = Array(payload.utf8)
        let fast = try #require(StreamChunk.fromBytes(bytes))
        #expect(fast == StreamChunk.decoded(bytes))
        #expect(StreamChunk.read(bytes) == fast)
    }

    @Test("anything unusual is left to JSONDecoder, whose answer stands", arguments: unsure)
    func leftToJSONDecoder(_ payload: String) {
        let bytes = Array(payload.utf8)
        #expect(StreamChunk.fromBytes(bytes) == nil)
        #expect(StreamChunk.read(bytes) == StreamChunk.decoded(bytes))
    }

    @Test("what the gateway keeps: choice 0's text and finish reason, the usage, and whether there were choices")
    func fields() throws {
        let mine = try #require(StreamChunk.read(Array(Self.common[4].utf8)))
        #expect(mine == StreamChunk(content: "mine", finishReason: "length", hasChoices: true))
        let usageOnly = try #require(StreamChunk.read(Array(Self.common[3].utf8)))
        #expect(usageOnly.usage == Usage(promptTokens: 9, completionTokens: 12) && !usageOnly.hasChoices)
        let escaped = try #require(StreamChunk.read(Array(Self.common[1].utf8)))
        #expect(escaped.content == "Hel\"lo\né")
        #expect(StreamChunk.read(Array("not json".utf8)) == nil)
    }

    @Test("duplicate member names are found among the first eight, past them, and across the two")
    func seenKeys() {
        var seen = SeenKeys()
        let names = (0..<12).map { "key\($0)" }
        for name in names {
            let fresh = seen.insert(name)
            #expect(fresh, "\(name) the first time")
        }
        for name in names {
            let fresh = seen.insert(name)
            #expect(!fresh, "\(name) again")
        }
        let another = seen.insert("another")
        #expect(another)
    }
}
