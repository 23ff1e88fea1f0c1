import ShepherdTokenizer
import Testing

/// The chunker's promises on a few hundred seeded random texts of mixed scripts, emoji and
/// whitespace runs, over windows from tiny to roomy and overlaps from none to all but one.
@Suite("chunker: random texts")
struct ChunkPropertyTests {
    @Test("size bound, overlap, coverage, progress and UTF-8 validity", arguments: EncodingName.allCases)
    func randomTexts(encoding: EncodingName) throws {
        let tokenizer = try Tokenizer.load(encoding)
        var generator = SeededGenerator(seed: encoding == .o200k_base ? 0xC0FFEE : 0xBEEF)
        for _ in 0..<200 {
            let text = randomChunkingText(pieces: Int.random(in: 0...400, using: &generator), using: &generator)
            let maxTokens = Int.random(in: 4...80, using: &generator)
            let overlap = Int.random(in: 0..<maxTokens, using: &generator)
            let chunker = try Chunker(tokenizer: tokenizer, maxTokens: maxTokens, overlap: overlap)
            expectChunkInvariants(try chunker.chunks(of: text), of: text, by: chunker)
        }
    }

    @Test("windows of one to three tokens either chunk correctly or refuse a wide character")
    func tinyWindows() throws {
        let tokenizer = try Tokenizer.load(.o200k_base)
        var generator = SeededGenerator(seed: 99)
        for _ in 0..<100 {
            let text = randomChunkingText(pieces: Int.random(in: 0...60, using: &generator), using: &generator)
            let maxTokens = Int.random(in: 1...3, using: &generator)
            let chunker = try Chunker(tokenizer: tokenizer, maxTokens: maxTokens, overlap: maxTokens - 1)
            do {
                expectChunkInvariants(try chunker.chunks(of: text), of: text, by: chunker)
            } catch ChunkingError.noCleanCut {
                // Legitimate only when some character really is wider than the window.
                #expect(text.contains { tokenizer.count(String($0)) > maxTokens })
            }
        }
    }
}
