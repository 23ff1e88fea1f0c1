/// BPE results of short pieces already seen in the same text. Real text repeats its
/// out-of-vocabulary pieces (identifiers, inflected words, other scripts) a lot, and merging one
/// costs dozens of hash lookups against one probe here. Direct-mapped with a fixed number of
/// slots, so memory is bounded (~1 MB); a colliding piece simply replaces the older one.
struct PieceCache {
    static let maxPieceLength = 8 * keyWords
    static let maxTokens = 8
    /// Below this many bytes of input, clearing the cache costs more than it saves.
    static let minTextLength = 32 * 1024
    private static let keyWords = 3
    private static let slotCount = 16384

    /// Per slot: `length | tokenCount << 8` (0: empty), then the piece's bytes, zero-padded.
    private let keys: UnsafeMutablePointer<UInt64>
    private let tokens: UnsafeMutablePointer<UInt32>

    init() {
        keys = .allocate(capacity: (Self.keyWords + 1) * Self.slotCount)
        keys.initialize(repeating: 0, count: (Self.keyWords + 1) * Self.slotCount)
        tokens = .allocate(capacity: Self.maxTokens * Self.slotCount)
    }

    func deallocate() {
        keys.deallocate()
        tokens.deallocate()
    }

    /// The slot for `piece[0..<length]` (`2 <= length <= maxPieceLength`) and, if it holds that
    /// piece, its tokens.
    @inline(__always)
    func lookup(_ piece: UnsafePointer<UInt8>, _ length: Int) -> (slot: Int, hit: UnsafeBufferPointer<UInt32>?) {
        var h = UInt64(length) &* 0x9E37_79B9_7F4A_7C15
        var word = 0
        while 8 * word < length {
            h = (h ^ Self.keyWord(piece, length, word)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            word += 1
        }
        h ^= h >> 29
        let slot = Int(truncatingIfNeeded: h) & (Self.slotCount - 1)
        let base = keys + (Self.keyWords + 1) * slot
        guard base[0] & 0xFF == UInt64(length) else { return (slot, nil) }
        for word in 0..<((length + 7) / 8) where base[1 + word] != Self.keyWord(piece, length, word) {
            return (slot, nil)
        }
        return (slot, UnsafeBufferPointer(start: tokens + Self.maxTokens * slot, count: Int(base[0] >> 8)))
    }

    /// Remembers the tokens of `piece` in `slot` (as returned by `lookup` for that piece).
    @inline(__always)
    func store(_ piece: UnsafePointer<UInt8>, _ length: Int, slot: Int, tokens result: UnsafePointer<UInt32>, count: Int) {
        guard count <= Self.maxTokens else { return }
        let base = keys + (Self.keyWords + 1) * slot
        base[0] = UInt64(length) | UInt64(count) << 8
        for word in 0..<((length + 7) / 8) {
            base[1 + word] = Self.keyWord(piece, length, word)
        }
        (tokens + Self.maxTokens * slot).update(from: result, count: count)
    }

    /// Bytes `8 * word ..< 8 * word + 8` of the piece, zero-padded past its end.
    @inline(__always)
    private static func keyWord(_ piece: UnsafePointer<UInt8>, _ length: Int, _ word: Int) -> UInt64 {
        RankTable.prefixKey(piece + 8 * word, min(length - 8 * word, 8))
    }
}
