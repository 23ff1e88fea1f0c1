/// Splits a text into chunks of at most `maxTokens` tokens that overlap by at most `overlap`
/// tokens, for documents larger than a model's context window.
///
/// Guarantees, on every input:
/// - each chunk's text, encoded on its own, is at most `maxTokens` tokens (the slice of the whole
///   text's encoding is only a first guess: BPE at a cut can tokenize differently, so every
///   chunk is re-counted and shrunk if needed);
/// - cuts fall between whole UTF-8 characters, on token boundaries of the whole text's encoding
///   — except right after a CJK 。！？, which o200k_base merges into the next word's token
///   (`。这`), so a cut there falls inside that token;
/// - the overlap with the previous chunk, encoded on its own, is at most `overlap` tokens;
/// - each chunk starts and ends strictly after the previous one, and the last ends at the end
///   of the text, so the loop terminates and the chunks cover the text without gaps.
///
/// Within the last `slack` tokens of the window a cut prefers a paragraph end, then a sentence
/// end, then a line end, over the hard token limit.
///
/// Positions are UTF-8 byte offsets; the whole text's encoding maps them to token counts.
public struct Chunker: Sendable {
    public let tokenizer: Tokenizer
    public let maxTokens: Int
    public let overlap: Int
    /// How many tokens short of `maxTokens` a chunk may end to cut at a natural boundary.
    public let slack: Int

    /// - Parameter slack: defaults to a tenth of `maxTokens`; 0 always cuts at the token limit.
    public init(tokenizer: Tokenizer, maxTokens: Int, overlap: Int = 0, slack: Int? = nil) throws(ChunkingError) {
        guard maxTokens >= 1 else { throw .invalidMaxTokens(maxTokens) }
        guard overlap >= 0, overlap < maxTokens else { throw .invalidOverlap(overlap: overlap, maxTokens: maxTokens) }
        self.tokenizer = tokenizer
        self.maxTokens = maxTokens
        self.overlap = overlap
        self.slack = min(max(slack ?? maxTokens / 10, 0), maxTokens - 1)
    }

    /// All chunks of `text`; none for an empty text.
    public func chunks(of text: String) throws -> [Chunk] {
        var result: [Chunk] = []
        try forEachChunk(of: text) { result.append($0) }
        return result
    }

    /// Calls `body` with each chunk of `text` in order, so a caller can write them out (and show
    /// progress) without holding them all. Throws `ChunkingError` or what `body` throws.
    @discardableResult
    public func forEachChunk(of text: String, _ body: (Chunk) throws -> Void) throws -> ChunkingSummary {
        let layout = TokenLayout(text: text, tokenizer: tokenizer)
        let total = layout.bytes.count
        var start = 0
        var previousEnd = 0
        var index = 0
        var chunkTokens = 0
        while start < total {
            guard let (end, chunkText, tokens) = fit(from: start, after: previousEnd, in: layout) else {
                // Nothing fits that reaches past the previous chunk: give up some overlap. At
                // `start == previousEnd` there is no overlap left to give up.
                guard start < previousEnd else {
                    throw ChunkingError.noCleanCut(byteOffset: start, maxTokens: maxTokens)
                }
                let next = layout.cleanCeiling(layout.firstToken(atOrAfter: start + 1))
                start = min(layout.offsets[next], previousEnd)
                continue
            }
            try body(Chunk(index: index, tokenCount: tokens, start: start, end: end, text: chunkText))
            index += 1
            chunkTokens += tokens
            // Stopping on reaching the end, rather than on an empty remainder, is what keeps a
            // text that ends exactly on a cut from repeating its last chunk.
            if end == total { break }
            start = nextStart(after: start, end: end, in: layout)
            previousEnd = end
        }
        return ChunkingSummary(chunks: index, documentTokens: layout.tokenCount, chunkTokens: chunkTokens)
    }

    /// The chunk from byte `start` to a cut after byte `floor`: its end, text and token count
    /// when encoded alone; nil when no such chunk fits in `maxTokens`.
    private func fit(from start: Int, after floor: Int, in layout: TokenLayout) -> (Int, String, Int)? {
        let floor = max(start, floor)
        // A start inside a token (after a CJK sentence end) counts that token's rest as one.
        var limit = min(layout.token(containing: start) + maxTokens, layout.tokenCount)
        while layout.offsets[limit] > floor {
            guard let end = chooseEnd(after: floor, limit: limit, in: layout) else { return nil }
            let text = layout.text(start, end)
            let tokens = tokenizer.count(text)
            if tokens <= maxTokens { return (end, text, tokens) }
            // Alone, the text tokenizes into more tokens than its slice of the whole: take the
            // excess off the window and choose again. `limit` falls each time, so this ends.
            limit = layout.firstToken(atOrAfter: end) - (tokens - maxTokens)
            if limit < 0 { return nil }
        }
        return nil
    }

    /// The best cut after byte `floor` up to token `limit`: the end of the text if the window
    /// reaches it; else the latest paragraph, sentence or line end in the slack; else the
    /// latest clean token boundary. Nil when there is no clean cut in the range.
    private func chooseEnd(after floor: Int, limit: Int, in layout: TokenLayout) -> Int? {
        if limit == layout.tokenCount { return layout.bytes.count }
        var best: (offset: Int, quality: CutQuality)?
        // Candidates from the latest down, so on equal quality the longer chunk wins.
        func consider(_ offset: Int) -> Bool {
            let quality = CutQuality.at(offset, in: layout.bytes)
            if quality > (best?.quality ?? .hard) { best = (offset, quality) }
            return quality == .paragraph
        }
        var token = limit
        let lowest = max(layout.firstToken(atOrAfter: floor + 1), limit - slack)
        scan: while token >= lowest {
            if layout.isClean(token), consider(layout.offsets[token]) { break }
            if token > lowest {
                for offset in CutQuality.cjkSentenceEnds(inside: layout.offsets[token - 1]..<layout.offsets[token],
                                                         of: layout.bytes).reversed()
                where offset > floor {
                    if consider(offset) { break scan }
                }
            }
            token -= 1
        }
        if let best { return best.offset }
        let hard = layout.offsets[layout.cleanFloor(limit)]
        return hard > floor ? hard : nil
    }

    /// Where the chunk after `start..<end` starts: as close to `overlap` tokens before `end` as
    /// the text allows without exceeding it (counted alone, like the chunks), and always after
    /// `start`, so every step makes progress.
    private func nextStart(after start: Int, end: Int, in layout: TokenLayout) -> Int {
        guard overlap > 0 else { return end }
        let lowest = layout.firstToken(atOrAfter: start + 1)
        var token = layout.cleanCeiling(max(layout.firstToken(atOrAfter: end) - overlap, lowest))
        while layout.offsets[token] < end, tokenizer.count(layout.text(layout.offsets[token], end)) > overlap {
            token = layout.cleanCeiling(token + 1)
        }
        return min(layout.offsets[token], end)
    }
}
