import ShepherdTokenizer
import Testing

@Suite("tiktoken golden samples")
struct GoldenTests {
    static let samples = Result { try GoldenData.load("golden.jsonl", as: GoldenData.Sample.self) }

    @Test("encode matches tiktoken's encode_ordinary", arguments: EncodingName.allCases)
    func encodeMatches(encoding: EncodingName) throws {
        let tokenizer = try Tokenizer.load(encoding)
        let samples = try Self.samples.get()
        #expect(samples.count == 351)
        var failures = 0
        for sample in samples {
            let expected = sample.ids(encoding.rawValue)
            let actual = tokenizer.encode(sample.text)
            if actual != expected {
                failures += 1
                Issue.record("\(sample.id) [\(sample.category)]: \(firstDifference(actual, expected))")
            }
            #expect(tokenizer.count(sample.text) == expected.count, "\(sample.id)")
            if failures >= 20 { break }
        }
    }

    @Test("decode(encode(text)) == text", arguments: EncodingName.allCases)
    func roundTrip(encoding: EncodingName) throws {
        let tokenizer = try Tokenizer.load(encoding)
        for sample in try Self.samples.get() {
            let ids = sample.ids(encoding.rawValue)
            #expect(tokenizer.decode(ids) == sample.text, "\(sample.id)")
            #expect(tokenizer.decodeBytes(ids) == Array(sample.text.utf8), "\(sample.id)")
        }
    }
}

@Suite("inputs tiktoken itself crashes on")
struct BeyondTiktokenTests {
    @Test("huge whitespace runs give the regex-defined ids", arguments: EncodingName.allCases)
    func hugeWhitespaceRuns(encoding: EncodingName) throws {
        let tokenizer = try Tokenizer.load(encoding)
        let samples = try GoldenData.load("beyond_tiktoken.jsonl", as: GoldenData.BeyondSample.self)
        #expect(samples.count == 3)
        for sample in samples {
            let actual = tokenizer.encode(sample.text)
            let expected = sample.ids(encoding.rawValue)
            #expect(actual == expected, "\(sample.id): \(firstDifference(actual, expected))")
        }
    }
}
