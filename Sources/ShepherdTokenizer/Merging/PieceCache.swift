/// BPE results of short pieces already seen in the same text. Real text repeats its
/// out-of-vocabulary pieces (identifiers, inflected words, other scripts) a lot, and merging one
/// costs dozens of hash lookups against one probe here. Direct-mapped with a fixed number of
/// slots, so memory is bounded (1 MB); a colliding piece simply replaces the older one.
struct PieceCache {
    static let maxPieceLength = 8 * keyWords
    static let maxTokens = 8
    /// Below this many bytes of input, clearing the cache costs more than it saves.
    static let minTextLength = 32 * 1024
    private static let keyWords = 3
    private static let slotCount = 16384
    /// One cache line a slot: `length | tokenCount << 8` (0: empty), the piece's bytes
    /// zero-padded to `keyWords` words, then up to `maxTokens` tokens. A hit reads one line.
    private static let slotBytes = 64
    private static let tokensOffset = 8 * (keyWords + 1)

    private let slots: UnsafeMutableRawPointer

    init() {
        slots = .allocate(byteCount: Self.slotBytes * Self.slotCount, alignment: Self.slotBytes)
        for slot in 0..<Self.slotCount {
            slots.storeBytes(of: 0, toByteOffset: Self.slotBytes * slot, as: UInt64.self)
        }
    }

    func deallocate() {
        slots.deallocate()
    }

    /// The slot for `piece[0..<length]` (`2 <= length <= maxPieceLength`) and, if it holds that
    /// piece, how many tokens it has (read them with `token(_:_:)`).
    @inline(__always)
    func lookup(_ piece: UnsafePointer<UInt8>, _ length: Int) -> (slot: Int, tokenCount: Int?) {
        var h = UInt64(length) &* 0x9E37_79B9_7F4A_7C15
        var word = 0
        while 8 * word < length {
            h = (h ^ Self.keyWord(piece, length, word)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            word += 1
        }
        h ^= h >> 29
        let slot = Int(truncatingIfNeeded: h) & (Self.slotCount - 1)
        let base = slots + Self.slotBytes * slot
        let meta = base.load(as: UInt64.self)
        guard meta & 0xFF == UInt64(length) else { return (slot, nil) }
        for word in 0..<((length + 7) / 8)
        where base.load(fromByteOffset: 8 + 8 * word, as: UInt64.self) != Self.keyWord(piece, length, word) {
            return (slot, nil)
        }
        return (slot, Int(meta >> 8))
    }

    /// Token `index` of the piece held in `slot`.
    @inline(__always)
    func token(_ slot: Int, _ index: Int) -> UInt32 {
        slots.load(fromByteOffset: Self.slotBytes * slot + Self.tokensOffset + 4 * index, as: UInt32.self)
    }

    /// Remembers the tokens of `piece` in `slot` (as returned by `lookup` for that piece).
    @inline(__always)
    func store(_ piece: UnsafePointer<UInt8>, _ length: Int, slot: Int, tokens result: UnsafePointer<UInt32>, count: Int) {
        guard count <= Self.maxTokens else { return }
        let base = slots + Self.slotBytes * slot
        base.storeBytes(of: UInt64(length) | UInt64(count) << 8, as: UInt64.self)
        for word in 0..<((length + 7) / 8) {
            base.storeBytes(of: Self.keyWord(piece, length, word), toByteOffset: 8 + 8 * word, as: UInt64.self)
        }
        for k in 0..<count {
            base.storeBytes(of: result[k], toByteOffset: Self.tokensOffset + 4 * k, as: UInt32.self)
        }
    }

    /// Bytes `8 * word ..< 8 * word + 8` of the piece, zero-padded past its end.
    @inline(__always)
    private static func keyWord(_ piece: UnsafePointer<UInt8>, _ length: Int, _ word: Int) -> UInt64 {
        RankTable.prefixKey(piece + 8 * word, min(length - 8 * word, 8))
    }
}
