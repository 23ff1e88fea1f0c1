/// Byte string ↔ rank, in raw memory. BPE hashes millions of byte slices of the input; a
/// `Dictionary<[UInt8], Int>` would allocate an array per lookup.
///
/// Open addressing with linear probing. Each 16-byte slot holds the token's first eight bytes
/// inline, so most lookups (tokens are short) touch one cache line and never the byte store.
final class RankTable: @unchecked Sendable {
    // @unchecked: every buffer is written in `init` only and read-only afterwards.
    static let missing = UInt32.max

    /// Number of ranks (0..<count).
    let count: Int
    /// Length of the longest token; longer slices are answered without hashing.
    let maxTokenLength: Int
    private let bytes: UnsafeMutablePointer<UInt8>
    private let offsets: UnsafeMutablePointer<Int>
    /// Pairs of (first eight bytes, meta); meta = rank + 1 | length << 32 | hash tag << 48.
    private let slots: UnsafeMutablePointer<UInt64>
    private let mask: Int
    /// One bit per `filterIndex` of a token's hash: a clear bit proves a byte string is no
    /// token without touching `slots`. BPE asks for many strings that are not tokens (every
    /// out-of-vocabulary piece, half the pairs of a merge); the filter is 8x smaller than
    /// `slots`, so it mostly stays in cache where they would not.
    private let filter: UnsafeMutablePointer<UInt64>
    private let filterMask: Int
    /// Rank of every two-byte string (or `missing`), indexed by `first << 8 | second`: BPE
    /// starts every piece by ranking all adjacent byte pairs.
    private let pairs: UnsafeMutablePointer<UInt32>
    /// Rank of every single byte.
    private let singles: UnsafeMutablePointer<UInt32>

    /// `tokenBytes` holds every token back to back, by rank; `tokenOffsets` has `count + 1`
    /// entries delimiting them. Byte strings must be unique (the official files are; their
    /// sha256 is checked before this runs); returns nil for an empty token or no tokens.
    init?(tokenBytes: [UInt8], tokenOffsets: [Int]) {
        count = tokenOffsets.count - 1
        bytes = .allocate(capacity: max(tokenBytes.count, 1))
        bytes.initialize(from: tokenBytes, count: tokenBytes.count)
        offsets = .allocate(capacity: tokenOffsets.count)
        offsets.initialize(from: tokenOffsets, count: tokenOffsets.count)
        var capacity = 1024
        while capacity < 2 * count { capacity <<= 1 }  // load factor below 1/2: probes stay short
        mask = capacity - 1
        slots = .allocate(capacity: capacity * 2)
        slots.initialize(repeating: 0, count: capacity * 2)
        filterMask = 8 * capacity - 1  // 8 bits a slot, 16 or more a token: < 6% false positives
        filter = .allocate(capacity: capacity / 8)
        filter.initialize(repeating: 0, count: capacity / 8)
        var longest = 0
        for rank in 0..<max(count, 0) {
            longest = max(longest, tokenOffsets[rank + 1] - tokenOffsets[rank])
        }
        maxTokenLength = longest
        pairs = .allocate(capacity: 0x10000)
        pairs.initialize(repeating: Self.missing, count: 0x10000)
        singles = .allocate(capacity: 0x100)
        singles.initialize(repeating: Self.missing, count: 0x100)
        if count <= 0 { return nil }
        for rank in 0..<count {
            let start = bytes + offsets[rank]
            let length = offsets[rank + 1] - offsets[rank]
            guard length > 0 else { return nil }
            insert(start, length, value: rank)
            if length == 1 { singles[Int(start[0])] = UInt32(rank) }
            if length == 2 { pairs[Int(start[0]) << 8 | Int(start[1])] = UInt32(rank) }
        }
    }

    deinit {
        bytes.deallocate()
        offsets.deallocate()
        slots.deallocate()
        filter.deallocate()
        pairs.deallocate()
        singles.deallocate()
    }

    /// The rank of the two bytes at `start`, or `missing`.
    @inline(__always)
    func pairRank(_ start: UnsafePointer<UInt8>) -> UInt32 {
        pairs[Int(start[0]) << 8 | Int(start[1])]
    }

    /// The rank of one byte (every byte has one in both encodings), or `missing`.
    @inline(__always)
    func byteRank(_ byte: UInt8) -> UInt32 {
        singles[Int(byte)]
    }

    /// The rank of the byte string `start..<start+length` (`length >= 1`), or `missing`.
    @inline(__always)
    func rank(_ start: UnsafePointer<UInt8>, _ length: Int) -> UInt32 {
        if length > maxTokenLength { return Self.missing }
        let key = Self.prefixKey(start, length)
        let hash = Self.hash(key, start, length)
        let bit = Self.filterIndex(hash, filterMask)
        if filter[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return Self.missing }
        let want = (hash >> 48) << 16 | UInt64(truncatingIfNeeded: length)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let meta = slots[2 * slot + 1]
            if meta == 0 { return Self.missing }
            if meta >> 32 == want, slots[2 * slot] == key,
                length <= 8 || Self.tailsEqual(start, bytes + offsets[Int(truncatingIfNeeded: meta & 0xFFFF_FFFF) - 1], length)
            {
                return UInt32(truncatingIfNeeded: meta) &- 1
            }
            slot = (slot + 1) & mask
        }
    }

    /// Whether bytes `8..<length` (`length > 8`) of `a` and `b` are equal, eight at a time (the
    /// last load overlaps the one before it); tokens are short, a `memcmp` call costs more.
    @inline(__always)
    private static func tailsEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        let a = UnsafeRawPointer(a)
        let b = UnsafeRawPointer(b)
        var i = 8
        while i + 8 < length {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                return false
            }
            i += 8
        }
        return a.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
            == b.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
    }

    /// The bytes of token `rank` (`0..<count`).
    @inline(__always)
    func tokenBytes(_ rank: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes + offsets[rank], count: offsets[rank + 1] - offsets[rank])
    }

    private func insert(_ start: UnsafePointer<UInt8>, _ length: Int, value: Int) {
        let key = Self.prefixKey(start, length)
        let hash = Self.hash(key, start, length)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[2 * slot + 1] != 0 { slot = (slot + 1) & mask }
        let bit = Self.filterIndex(hash, filterMask)
        filter[bit >> 6] |= 1 << UInt64(bit & 63)
        slots[2 * slot] = key
        slots[2 * slot + 1] = UInt64(value + 1) | UInt64(length) << 32 | (hash >> 48) << 48
    }

    /// Bits 20 and up of the hash: the slot index uses the low bits, the tag the top 16.
    @inline(__always)
    private static func filterIndex(_ hash: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: hash >> 20) & mask
    }

    /// The first `min(length, 8)` bytes, little-endian, zero-padded, without reading past the
    /// slice (it may end at the end of the string's storage).
    @inline(__always)
    static func prefixKey(_ p: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        let raw = UnsafeRawPointer(p)
        if length >= 8 { return raw.loadUnaligned(as: UInt64.self) }
        if length >= 4 {
            let low = UInt64(raw.loadUnaligned(as: UInt32.self))
            let high = UInt64(raw.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self))
            return low | high << UInt64(8 * (length - 4))
        }
        var key = UInt64(p[0])
        if length > 1 { key |= UInt64(p[1]) << 8 }
        if length > 2 { key |= UInt64(p[2]) << 16 }
        return key
    }

    @inline(__always)
    static func hash(_ key: UInt64, _ p: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        var h = (key ^ UInt64(truncatingIfNeeded: length) &* 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9
        if length > 8 {
            let raw = UnsafeRawPointer(p)
            var i = 8
            while i + 8 <= length {
                h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x94D0_49BB_1331_11EB
                h ^= h >> 29
                i += 8
            }
            if i < length {
                h = (h ^ raw.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)) &* 0x94D0_49BB_1331_11EB
            }
        }
        h ^= h >> 32
        h = h &* 0xD6E8_FEB8_6659_FD93
        h ^= h >> 32
        return h
    }
}
