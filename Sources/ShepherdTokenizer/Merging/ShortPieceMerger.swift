/// tiktoken's own `_byte_pair_merge`: keep the rank of every adjacent pair, repeatedly merge the
/// leftmost pair of lowest rank. Quadratic, but for the short pieces that make up almost all
/// text it beats anything cleverer. Buffers are reused across the pieces of one `encode` call.
struct ShortPieceMerger {
    /// Longest piece this merger takes; longer ones go to `LongPieceMerger`.
    static let maxLength = 24

    private let starts: UnsafeMutablePointer<Int>
    private let pairRanks: UnsafeMutablePointer<UInt32>
    /// The rank of each part; after `merge`, the piece's tokens.
    let tokens: UnsafeMutablePointer<UInt32>

    init() {
        starts = .allocate(capacity: Self.maxLength + 1)
        pairRanks = .allocate(capacity: Self.maxLength + 1)
        tokens = .allocate(capacity: Self.maxLength + 1)
    }

    func deallocate() {
        starts.deallocate()
        pairRanks.deallocate()
        tokens.deallocate()
    }

    /// Encodes `piece[0..<length]` (`2 <= length <= maxLength`) into `tokens`; returns how many.
    func merge(_ piece: UnsafePointer<UInt8>, _ length: Int, ranks: RankTable) -> Int {
        let missing = RankTable.missing
        var parts = length + 1
        for i in 0..<length {
            starts[i] = i
            tokens[i] = ranks.byteRank(piece[i])
        }
        starts[length] = length
        for i in 0..<(length - 1) {
            pairRanks[i] = ranks.pairRank(piece + i)
        }
        pairRanks[length - 1] = missing
        pairRanks[length] = missing
        while true {
            var best = missing
            var at = 0
            for i in 0..<(parts - 1) where pairRanks[i] < best {
                best = pairRanks[i]
                at = i
            }
            if best == missing { break }
            // Re-rank the merged part and its left neighbour before removing part `at + 1`,
            // exactly as tiktoken does.
            if at > 0 {
                pairRanks[at - 1] =
                    at + 2 < parts ? ranks.rank(piece + starts[at - 1], starts[at + 2] - starts[at - 1]) : missing
            }
            pairRanks[at] = at + 3 < parts ? ranks.rank(piece + starts[at], starts[at + 3] - starts[at]) : missing
            tokens[at] = best
            var i = at + 1
            while i < parts - 1 {
                starts[i] = starts[i + 1]
                pairRanks[i] = pairRanks[i + 1]
                tokens[i] = tokens[i + 1]
                i += 1
            }
            parts -= 1
        }
        return parts - 1
    }
}
