/// BPE results of short pieces already seen in the same text. Real text repeats its
/// out-of-vocabulary pieces (identifiers, inflected words, other scripts) a lot, and merging one
/// costs some twenty hash lookups against one probe here. Direct-mapped with a fixed number of
/// slots, so memory is bounded; a colliding piece simply replaces the older one.
struct PieceCache {
    static let maxPieceLength = 16
    static let maxTokens = 6
    /// Below this many bytes of input, clearing the cache costs more than it saves.
    static let minTextLength = 32 * 1024
    private static let slotCount = 8192

    /// Per slot: the piece's bytes 0..<8 and 8..<16, then `length | tokenCount << 8` (0: empty).
    private let keys: UnsafeMutablePointer<UInt64>
    private let tokens: UnsafeMutablePointer<UInt32>

    init() {
        keys = .allocate(capacity: 3 * Self.slotCount)
        keys.initialize(repeating: 0, count: 3 * Self.slotCount)
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
        let low = RankTable.prefixKey(piece, min(length, 8))
        let high = length > 8 ? RankTable.prefixKey(piece + 8, length - 8) : 0
        var h = (low &* 0x9E37_79B9_7F4A_7C15) ^ (high &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(length)
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 32
        let slot = Int(truncatingIfNeeded: h) & (Self.slotCount - 1)
        let meta = keys[3 * slot + 2]
        guard meta & 0xFF == UInt64(length), keys[3 * slot] == low, keys[3 * slot + 1] == high else {
            return (slot, nil)
        }
        return (slot, UnsafeBufferPointer(start: tokens + Self.maxTokens * slot, count: Int(meta >> 8)))
    }

    /// Remembers the tokens of `piece` in `slot` (as returned by `lookup` for that piece).
    @inline(__always)
    func store(_ piece: UnsafePointer<UInt8>, _ length: Int, slot: Int, tokens result: UnsafePointer<UInt32>, count: Int) {
        guard count <= Self.maxTokens else { return }
        keys[3 * slot] = RankTable.prefixKey(piece, min(length, 8))
        keys[3 * slot + 1] = length > 8 ? RankTable.prefixKey(piece + 8, length - 8) : 0
        keys[3 * slot + 2] = UInt64(length) | UInt64(count) << 8
        (tokens + Self.maxTokens * slot).update(from: result, count: count)
    }
}
