/// The same merge order as `ShortPieceMerger` (lowest rank first, leftmost on ties) in
/// O(n log n): a doubly linked list of parts plus a min-heap of (rank, position) with lazy
/// deletion. Pieces can be megabytes long (a file without spaces, a run of one character).
/// One instance serves one `encode` call; its buffers grow to the longest piece seen.
final class LongPieceMerger {
    private var capacity = 0
    // Parts are named by the byte offset where they start; `next[i] == -1` marks a part that
    // was merged into its left neighbour.
    private var next = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private var previous = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private var pairRanks = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
    /// The token each live part currently is.
    private var partRanks = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
    private var heap = RankHeap(capacity: 1)

    deinit {
        release()
    }

    func merge<Sink: TokenSink>(_ piece: UnsafePointer<UInt8>, _ length: Int, ranks: RankTable, into sink: inout Sink) {
        reserve(length)
        let missing = RankTable.missing
        let next = self.next
        let previous = self.previous
        let pairRanks = self.pairRanks
        let partRanks = self.partRanks
        heap.removeAll()
        for i in 0..<length {
            next[i] = Int32(i + 1)
            previous[i] = Int32(i - 1)
            partRanks[i] = ranks.byteRank(piece[i])
            pairRanks[i] = i + 1 < length ? ranks.pairRank(piece + i) : missing
            if pairRanks[i] != missing { heap.append(pairRanks[i], i) }
        }
        heap.heapify()
        while let (rank, position) = heap.popMin() {
            guard next[position] >= 0, pairRanks[position] == rank else { continue }  // stale entry
            let right = Int(next[position])
            let afterRight = Int(next[right])
            next[right] = -1
            next[position] = Int32(afterRight)
            partRanks[position] = rank
            if afterRight < length {
                previous[afterRight] = Int32(position)
                let end = Int(next[afterRight])
                pairRanks[position] = ranks.rank(piece + position, end - position)
                if pairRanks[position] != missing { heap.push(pairRanks[position], position) }
            } else {
                pairRanks[position] = missing
            }
            let left = Int(previous[position])
            if left >= 0 {
                pairRanks[left] = ranks.rank(piece + left, afterRight - left)
                if pairRanks[left] != missing { heap.push(pairRanks[left], left) }
            }
        }
        var i = 0
        while i < length {
            sink.emit(partRanks[i])
            i = Int(next[i])
        }
    }

    private func reserve(_ length: Int) {
        guard length > capacity else { return }
        release()
        capacity = max(length, 2 * capacity)
        next = .allocate(capacity: capacity)
        previous = .allocate(capacity: capacity)
        pairRanks = .allocate(capacity: capacity)
        partRanks = .allocate(capacity: capacity)
        // Each merge pushes at most two entries, so 3n never overflows.
        heap = RankHeap(capacity: 3 * capacity)
    }

    private func release() {
        next.deallocate()
        previous.deallocate()
        pairRanks.deallocate()
        partRanks.deallocate()
        heap.deallocate()
    }
}
