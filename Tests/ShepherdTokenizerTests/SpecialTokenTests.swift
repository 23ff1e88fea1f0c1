import ShepherdTokenizer
import Testing

@Suite("special tokens")
struct SpecialTokenTests {
    static let samples = Result { try GoldenData.load("specials.jsonl", as: GoldenData.SpecialSample.self) }

    @Test("allowed specials become special ids, otherwise they are plain text", arguments: EncodingName.allCases)
    func specialsBothWays(encoding: EncodingName) throws {
        let tokenizer = try Tokenizer.load(encoding)
        let samples = try Self.samples.get()
        #expect(samples.count == 25)
        for sample in samples {
            let allowed = encoding == .cl100k_base ? sample.cl100k_base_allowed_all : sample.o200k_base_allowed_all
            let ordinary = encoding == .cl100k_base ? sample.cl100k_base_ordinary : sample.o200k_base_ordinary
            let gotAllowed = tokenizer.encode(sample.text, allowSpecial: true)
            let gotOrdinary = tokenizer.encode(sample.text)
            #expect(gotAllowed == allowed, "\(sample.id) allowed: \(firstDifference(gotAllowed, allowed))")
            #expect(gotOrdinary == ordinary, "\(sample.id) ordinary: \(firstDifference(gotOrdinary, ordinary))")
            #expect(tokenizer.count(sample.text, allowSpecial: true) == allowed.count, "\(sample.id)")
            #expect(tokenizer.decode(allowed) == sample.text, "\(sample.id)")
        }
    }

    @Test("special ids")
    func specialIDs() throws {
        let cl100k = try Tokenizer.load(.cl100k_base)
        let o200k = try Tokenizer.load(.o200k_base)
        #expect(cl100k.encode("<|endoftext|>", allowSpecial: true) == [100_257])
        #expect(cl100k.encode("<|fim_prefix|><|fim_middle|><|fim_suffix|><|endofprompt|>", allowSpecial: true)
            == [100_258, 100_259, 100_260, 100_276])
        #expect(o200k.encode("<|endoftext|><|endofprompt|>", allowSpecial: true) == [199_999, 200_018])
        // FIM tokens are not special in o200k_base.
        #expect(o200k.encode("<|fim_prefix|>", allowSpecial: true) == o200k.encode("<|fim_prefix|>"))
        #expect(o200k.decode([199_999]) == "<|endoftext|>")
        #expect(cl100k.decode([100_276]) == "<|endofprompt|>")
    }

    @Test("the default treats special strings as ordinary text")
    func defaultIsOrdinary() throws {
        let tokenizer = try Tokenizer.load(.cl100k_base)
        let ids = tokenizer.encode("a<|endoftext|>b")
        #expect(!ids.contains(100_257))
        #expect(tokenizer.decode(ids) == "a<|endoftext|>b")
    }
}
