import Foundation
import Testing

@testable import ShepherdCore

/// An answer's `usage` read from its bytes must be what JSONDecoder reads, and the usual
/// shapes must not fall through to JSONDecoder.
@Suite("Usage byte reader")
struct UsageReaderTests {
    /// Read by the byte reader itself.
    static let common: [String] = [
        #"{"prompt_tokens":1000,"completion_tokens":200,"total_tokens":1200,"prompt_tokens_details":{"cached_tokens":400}}"#,
        #"{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}"#,
        #"{ "prompt_tokens" : 9 , "completion_tokens" : 12 }"#,
        #"{"prompt_tokens":5,"completion_tokens":7,"total_tokens":99,"completion_tokens_details":{"reasoning_tokens":3,"accepted_prediction_tokens":0},"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":2}}"#,
        #"{"prompt_tokens":5,"completion_tokens":null,"prompt_tokens_details":null,"cost":0.0012,"vendor":{"a":[1,"}"]}}"#,
        #"{}"#,
    ]

    /// Left to JSONDecoder, which may read them or not.
    static let unsure: [String] = [
        #"{"prompt_tokens":1.5,"completion_tokens":2}"#,
        #"{"prompt_tokens":"9","completion_tokens":2}"#,
        #"{"prompt_tokens":1,"prompt_tokens":2}"#,
        #"{"prompt_tokens":1,"prompt_tokens_details":{"cached_tokens":"x"}}"#,
        #"{"prompt_tokens":1,"completion_tokens_details":[]}"#,
        #"{"prompt_tokens":99999999999999999999}"#,
        #"null"#,
        #"[1,2]"#,
    ]

    static func answer(_ usage: String) -> (bytes: [UInt8], range: Range<Int>) {
        let bytes = Array(#"{"id":"c1","object":"chat.completion","usage":\#(usage),"x":1}"#.utf8)
        let layout = try! TopLevelJSON(bytes: bytes)
        return (bytes, layout.range(of: "usage")!)
    }

    static func decoded(_ answer: (bytes: [UInt8], range: Range<Int>)) -> Usage? {
        try? JSONDecoder().decode(Usage.self, from: Data(answer.bytes[answer.range]))
    }

    @Test("the usual usage objects are read from their bytes, as JSONDecoder reads them", arguments: common)
    func readFromBytes(_ usage: String) throws {
        let answer = Self.answer(usage)
        let fast = try #require(ChatRequestReader.usage(in: answer.bytes, range: answer.range))
        #expect(fast == Self.decoded(answer))
        #expect(Usage.read(from: answer.bytes, range: answer.range) == fast)
    }

    @Test("anything unusual is left to JSONDecoder, whose answer stands", arguments: unsure)
    func leftToJSONDecoder(_ usage: String) {
        let answer = Self.answer(usage)
        #expect(ChatRequestReader.usage(in: answer.bytes, range: answer.range) == nil)
        #expect(Usage.read(from: answer.bytes, range: answer.range) == Self.decoded(answer))
    }
}
