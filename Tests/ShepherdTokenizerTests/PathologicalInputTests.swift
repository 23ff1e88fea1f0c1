import ShepherdTokenizer
import Testing

/// Inputs whose pieces are huge. They must finish (no quadratic blow-up, no stack overflow);
/// exact ids for the 1 MB versions are covered by the golden file's `pathological` samples.
@Suite("pathological inputs")
struct PathologicalInputTests {
    @Test("one long piece of a single letter round-trips", arguments: EncodingName.allCases)
    func repeatedLetter(encoding: EncodingName) throws {
        let tokenizer = try Tokenizer.load(encoding)
        let text = String(repeating: "a", count: 1_000_000)
        let ids = tokenizer.encode(text)
        #expect(ids.count > 1_000 && ids.count < 200_000)
        #expect(tokenizer.decode(ids) == text)
    }

    @Test("random text without spaces round-trips", arguments: EncodingName.allCases)
    func randomNoSpaces(encoding: EncodingName) throws {
        let tokenizer = try Tokenizer.load(encoding)
        // Deterministic pseudo-random letters, digits, punctuation and non-ASCII scalars.
        var state: UInt64 = 0x5EED
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=-_.é日ß🙂")
        var text = ""
        text.reserveCapacity(220_000)
        while text.utf8.count < 200_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            text.append(alphabet[Int(state >> 33) % alphabet.count])
        }
        let ids = tokenizer.encode(text)
        #expect(tokenizer.decode(ids) == text)
        #expect(tokenizer.count(text) == ids.count)
    }

    @Test("a megabyte of letters without any split point", arguments: EncodingName.allCases)
    func longLetterRun(encoding: EncodingName) throws {
        let tokenizer = try Tokenizer.load(encoding)
        var state: UInt64 = 42
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1_000_000)
        for _ in 0..<1_000_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes.append(UInt8(ascii: "a") + UInt8((state >> 33) % 26))
        }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(tokenizer.decodeBytes(tokenizer.encode(text)) == bytes)
    }

    @Test("empty input")
    func empty() throws {
        let tokenizer = try Tokenizer.load(.o200k_base)
        #expect(tokenizer.encode("").isEmpty)
        #expect(tokenizer.count("", allowSpecial: true) == 0)
        #expect(tokenizer.decode([]) == "")
    }
}
