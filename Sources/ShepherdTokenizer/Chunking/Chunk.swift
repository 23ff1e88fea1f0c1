/// One piece of a chunked text.
///
/// `start` and `end` are UTF-8 byte offsets into the original text (half-open), so a caller can
/// map a chunk back onto the source even when the text holds multi-byte characters. Consecutive
/// chunks share `previous.end - next.start` bytes of overlap; dropping those bytes from each
/// chunk but the first and concatenating gives back the original text.
public struct Chunk: Sendable, Hashable {
    /// Position in the sequence, from 0.
    public let index: Int
    /// Tokens of `text` encoded on its own — what a model sees when the chunk is sent alone,
    /// which is what the `maxTokens` bound applies to.
    public let tokenCount: Int
    /// UTF-8 byte offset of the chunk's first byte in the original text.
    public let start: Int
    /// UTF-8 byte offset just past the chunk's last byte in the original text.
    public let end: Int
    /// The chunk's text: always whole characters (never a UTF-8 sequence cut in two).
    public let text: String

    public init(index: Int, tokenCount: Int, start: Int, end: Int, text: String) {
        self.index = index
        self.tokenCount = tokenCount
        self.start = start
        self.end = end
        self.text = text
    }
}

/// Totals of one chunking run.
public struct ChunkingSummary: Sendable, Hashable {
    /// Number of chunks produced.
    public let chunks: Int
    /// Tokens of the whole text encoded at once.
    public let documentTokens: Int
    /// Sum of the chunks' `tokenCount`: more than `documentTokens` when chunks overlap.
    public let chunkTokens: Int
}

/// Why a text cannot be chunked as asked. Descriptions are one line, for a CLI error.
public enum ChunkingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `maxTokens` below 1.
    case invalidMaxTokens(Int)
    /// `overlap` negative or not below `maxTokens` (which could never make progress).
    case invalidOverlap(overlap: Int, maxTokens: Int)
    /// No cut within `maxTokens` tokens of `byteOffset` keeps whole UTF-8 characters — a
    /// character whose bytes span more tokens than the window holds.
    case noCleanCut(byteOffset: Int, maxTokens: Int)

    public var description: String {
        switch self {
        case .invalidMaxTokens(let value):
            "max tokens must be at least 1 (got \(value))"
        case .invalidOverlap(let overlap, let maxTokens):
            "overlap must be at least 0 and less than max tokens \(maxTokens) (got \(overlap))"
        case .noCleanCut(let offset, let maxTokens):
            "no cut within \(maxTokens) tokens after byte \(offset) keeps whole UTF-8 characters; raise the max tokens"
        }
    }
}
