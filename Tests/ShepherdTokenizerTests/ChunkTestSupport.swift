import ShepherdTokenizer
import Testing

/// Checks every promise `Chunker` makes about `chunks` of `text`, re-encoding each chunk and
/// each overlap on its own rather than trusting the chunker's counts.
func expectChunkInvariants(_ chunks: [Chunk], of text: String, by chunker: Chunker,
                           sourceLocation: SourceLocation = #_sourceLocation) {
    let bytes = Array(text.utf8)
    guard let first = chunks.first, let last = chunks.last else {
        #expect(bytes.isEmpty, "no chunks for a non-empty text", sourceLocation: sourceLocation)
        return
    }
    #expect(first.start == 0, sourceLocation: sourceLocation)
    #expect(last.end == bytes.count, "the last chunk stops short of the end", sourceLocation: sourceLocation)
    var rebuilt: [UInt8] = []
    rebuilt.reserveCapacity(bytes.count)
    for (position, chunk) in chunks.enumerated() {
        #expect(chunk.index == position, sourceLocation: sourceLocation)
        #expect(chunk.start < chunk.end, "empty chunk \(position)", sourceLocation: sourceLocation)
        // Whole characters: the text is exactly the source bytes, with nothing replaced by U+FFFD.
        #expect(chunk.text.utf8.elementsEqual(bytes[chunk.start..<chunk.end]),
                "chunk \(position) is not the source bytes \(chunk.start)..<\(chunk.end)", sourceLocation: sourceLocation)
        let tokens = chunker.tokenizer.count(chunk.text)
        #expect(tokens == chunk.tokenCount, sourceLocation: sourceLocation)
        #expect(tokens <= chunker.maxTokens, "chunk \(position) has \(tokens) tokens", sourceLocation: sourceLocation)
        if position == 0 {
            rebuilt.append(contentsOf: chunk.text.utf8)
            continue
        }
        let previous = chunks[position - 1]
        #expect(chunk.start > previous.start, "no progress at chunk \(position)", sourceLocation: sourceLocation)
        #expect(chunk.end > previous.end, "chunk \(position) ends no later than the one before", sourceLocation: sourceLocation)
        #expect(chunk.start <= previous.end, "gap before chunk \(position)", sourceLocation: sourceLocation)
        let shared = previous.end - chunk.start
        if chunker.overlap == 0 { #expect(shared == 0, sourceLocation: sourceLocation) }
        let sharedText = String(decoding: bytes[chunk.start..<previous.end], as: UTF8.self)
        #expect(chunker.tokenizer.count(sharedText) <= chunker.overlap,
                "overlap before chunk \(position) is too long", sourceLocation: sourceLocation)
        rebuilt.append(contentsOf: chunk.text.utf8.dropFirst(shared))
    }
    #expect(rebuilt == bytes, "the chunks without their overlaps are not the text", sourceLocation: sourceLocation)
}

/// SplitMix64: a small seeded generator, so a failing random case can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A random text of mixed scripts, punctuation and whitespace runs: the inputs where cuts can
/// fall inside multi-byte characters or between a sentence mark and its space.
func randomChunkingText<G: RandomNumberGenerator>(pieces: Int, using generator: inout G) -> String {
    let fragments = [
        "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "internationalization", "x", "42", "3.14",
        "café", "naïve", "Ünïcödé", "señor", "e\u{301}", "Ωμέγα", "Привет",
        "日本語の文章です", "中文句子", "한국어", "。", "！", "？", "」",
        "🙂", "👩‍👩‍👧", "🇫🇷", "👍🏽", "🧑🏿‍🚀",
        ".", "!", "?", ",", "\"", "’", "(", ")", "—", "<|endoftext|>",
        " ", " ", " ", "  ", "\n", "\n\n", "\t", "   \n  ", "\r\n", "\n\n\n\n",
    ]
    var text = ""
    for _ in 0..<pieces {
        if Int.random(in: 0..<20, using: &generator) == 0 {
            // An arbitrary scalar now and then, from anywhere outside the surrogates.
            let value = UInt32.random(in: 0x20...0x10FFFF, using: &generator)
            text.unicodeScalars.append(Unicode.Scalar(value) ?? "?")
        } else {
            text += fragments.randomElement(using: &generator)!
        }
    }
    return text
}
