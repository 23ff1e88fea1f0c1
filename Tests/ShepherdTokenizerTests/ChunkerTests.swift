import ShepherdTokenizer
import Testing

@Suite("chunker: edge cases")
struct ChunkerEdgeCaseTests {
    let tokenizer: Tokenizer
    init() throws { tokenizer = try Tokenizer.load(.o200k_base) }

    @Test("an empty text has no chunks")
    func emptyText() throws {
        let chunker = try Chunker(tokenizer: tokenizer, maxTokens: 10, overlap: 3)
        #expect(try chunker.chunks(of: "").isEmpty)
    }

    @Test("a text shorter than the window is one chunk")
    func shortText() throws {
        let text = "Short. Very short.\n\nStill short."
        let chunker = try Chunker(tokenizer: tokenizer, maxTokens: 100, overlap: 50)
        let chunks = try chunker.chunks(of: text)
        #expect(chunks == [Chunk(index: 0, tokenCount: tokenizer.count(text), start: 0, end: text.utf8.count, text: text)])
    }

    @Test("a text ending exactly on a cut does not repeat its last chunk", arguments: [0, 3, 9])
    func endsOnBoundary(overlap: Int) throws {
        // " the" is one token, so 30 of them are exactly three windows of 10.
        let text = String(repeating: " the", count: 30)
        #expect(tokenizer.count(text) == 30)
        let chunker = try Chunker(tokenizer: tokenizer, maxTokens: 10, overlap: overlap, slack: 0)
        let chunks = try chunker.chunks(of: text)
        expectChunkInvariants(chunks, of: text, by: chunker)
        // Starts step by 10 - overlap; the chunk whose window reaches token 30 is the last.
        let steps = (20 + 10 - overlap - 1) / (10 - overlap)
        #expect(chunks.count == steps + 1)
        #expect(chunks.dropLast().allSatisfy { $0.tokenCount == 10 })
    }

    @Test("one huge run without whitespace terminates", arguments: [0, 49])
    func hugeRun(overlap: Int) throws {
        var generator = SeededGenerator(seed: 7)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzé日🙂0123456789")
        let text = String((0..<40_000).map { _ in alphabet.randomElement(using: &generator)! })
        let chunker = try Chunker(tokenizer: tokenizer, maxTokens: 50, overlap: overlap)
        expectChunkInvariants(try chunker.chunks(of: text), of: text, by: chunker)
    }

    @Test("a run of a single repeated character terminates")
    func repeatedCharacter() throws {
        let text = String(repeating: "a", count: 50_000) + String(repeating: " ", count: 50_000)
        let chunker = try Chunker(tokenizer: tokenizer, maxTokens: 64, overlap: 8)
        expectChunkInvariants(try chunker.chunks(of: text), of: text, by: chunker)
    }

    @Test("an overlap of all but one token still advances")
    func overlapCloseToWindow() throws {
        let text = String(repeating: "One sentence here. Another one follows!\n", count: 20)
        let chunker = try Chunker(tokenizer: tokenizer, maxTokens: 20, overlap: 19)
        let chunks = try chunker.chunks(of: text)
        expectChunkInvariants(chunks, of: text, by: chunker)
        #expect(chunks.count <= tokenizer.count(text))
    }

    @Test("cuts never split a character, even at a window of one token")
    func multiByteCharacters() throws {
        let text = "日本語の文章です。🙂👩‍👩‍👧🇫🇷 naïve café 한국어"
        for maxTokens in 2...12 {
            let chunker = try Chunker(tokenizer: tokenizer, maxTokens: maxTokens, overlap: maxTokens / 2)
            expectChunkInvariants(try chunker.chunks(of: text), of: text, by: chunker)
        }
    }

    @Test("a character wider than the window is an error, not a split")
    func characterWiderThanWindow() throws {
        // A rare astral letter: its four bytes take more than one token.
        let letter = "𝔘"
        try #require(tokenizer.count(letter) > 1)
        let chunker = try Chunker(tokenizer: tokenizer, maxTokens: 1)
        #expect(throws: ChunkingError.noCleanCut(byteOffset: 0, maxTokens: 1)) {
            try chunker.chunks(of: letter + letter)
        }
    }

    @Test("invalid sizes are refused")
    func validation() {
        #expect(throws: ChunkingError.invalidMaxTokens(0)) { try Chunker(tokenizer: tokenizer, maxTokens: 0) }
        #expect(throws: ChunkingError.invalidOverlap(overlap: 10, maxTokens: 10)) {
            try Chunker(tokenizer: tokenizer, maxTokens: 10, overlap: 10)
        }
        #expect(throws: ChunkingError.invalidOverlap(overlap: -1, maxTokens: 10)) {
            try Chunker(tokenizer: tokenizer, maxTokens: 10, overlap: -1)
        }
    }

    @Test("the summary counts chunks and tokens")
    func summary() throws {
        let text = String(repeating: " the", count: 30)
        let chunker = try Chunker(tokenizer: tokenizer, maxTokens: 10, overlap: 5, slack: 0)
        var seen = 0
        let summary = try chunker.forEachChunk(of: text) { _ in seen += 1 }
        #expect(summary.chunks == seen)
        #expect(summary.documentTokens == 30)
        #expect(summary.chunkTokens == seen * 10)
    }
}
