import ShepherdTokenizer
import Testing

/// Within the slack (the last tenth of a 100-token window here) a cut prefers a paragraph end,
/// then a sentence end, then a line end; outside the slack it does not give up tokens for one.
@Suite("chunker: where cuts fall")
struct ChunkPreferenceTests {
    /// A 100-token chunker (slack 10) and a filler that repeats `unit`, joined by `separator`,
    /// while the result stays under `tokens` tokens.
    private func setUp(_ encoding: EncodingName) throws -> (Chunker, (String, String, Int) -> String) {
        let tokenizer = try Tokenizer.load(encoding)
        let filler = { (unit: String, separator: String, tokens: Int) -> String in
            var text = unit
            while tokenizer.count(text + separator + unit) < tokens { text += separator + unit }
            return text
        }
        return (try Chunker(tokenizer: tokenizer, maxTokens: 100), filler)
    }

    @Test("a paragraph end in the slack wins over later sentence ends", arguments: EncodingName.allCases)
    func paragraphFirst(encoding: EncodingName) throws {
        let (chunker, filler) = try setUp(encoding)
        let first = filler("Yes.", " ", 94)
        let text = first + "\n\n" + filler("Then more.", " ", 300)
        let chunks = try chunker.chunks(of: text)
        expectChunkInvariants(chunks, of: text, by: chunker)
        #expect(chunks[0].text == first + "\n\n")
    }

    @Test("a paragraph end before the slack is not taken", arguments: EncodingName.allCases)
    func paragraphOutsideSlack(encoding: EncodingName) throws {
        let (chunker, filler) = try setUp(encoding)
        let first = filler("Yes.", " ", 50)
        let text = first + "\n\n" + filler("word", " ", 300)
        let chunks = try chunker.chunks(of: text)
        expectChunkInvariants(chunks, of: text, by: chunker)
        #expect(chunks[0].tokenCount >= 90)
    }

    @Test("a sentence end in the slack wins over the token limit", arguments: EncodingName.allCases)
    func sentenceEnd(encoding: EncodingName) throws {
        let (chunker, filler) = try setUp(encoding)
        let text = filler("Alpha beta gamma delta epsilon.", " ", 400)
        let chunks = try chunker.chunks(of: text)
        expectChunkInvariants(chunks, of: text, by: chunker)
        for chunk in chunks {
            #expect(chunk.text.trimmingSuffix(" ").hasSuffix("."), "chunk \(chunk.index) ends mid-sentence")
            #expect(chunk.tokenCount >= 90 || chunk.index == chunks.count - 1)
        }
    }

    @Test("a CJK full stop ends a sentence without a space", arguments: EncodingName.allCases)
    func cjkSentence(encoding: EncodingName) throws {
        let (chunker, filler) = try setUp(encoding)
        let text = filler("这是一个用于测试的中文句子。", "", 400)
        let chunks = try chunker.chunks(of: text)
        expectChunkInvariants(chunks, of: text, by: chunker)
        for chunk in chunks { #expect(chunk.text.hasSuffix("。")) }
    }

    @Test("a line end in the slack wins over the token limit", arguments: EncodingName.allCases)
    func lineEnd(encoding: EncodingName) throws {
        let (chunker, filler) = try setUp(encoding)
        let text = filler("alpha beta gamma delta epsilon zeta", "\n", 400)
        let chunks = try chunker.chunks(of: text)
        expectChunkInvariants(chunks, of: text, by: chunker)
        for chunk in chunks.dropLast() { #expect(chunk.text.hasSuffix("\n") || chunks[chunk.index + 1].text.hasPrefix("\n")) }
    }

    @Test("without any boundary the cut is at the token limit", arguments: EncodingName.allCases)
    func hardLimit(encoding: EncodingName) throws {
        let (chunker, filler) = try setUp(encoding)
        let text = filler("abcdefgh", "", 400)
        let chunks = try chunker.chunks(of: text)
        expectChunkInvariants(chunks, of: text, by: chunker)
        #expect(chunks.dropLast().allSatisfy { $0.tokenCount >= 99 })
    }
}

private extension String {
    func trimmingSuffix(_ character: Character) -> Substring {
        var text = self[...]
        while text.last == character { text = text.dropLast() }
        return text
    }
}
