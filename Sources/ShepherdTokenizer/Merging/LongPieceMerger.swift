/// The same merge order as `ShortPieceMerger` (lowest rank first, leftmost on ties) in
/// O(n log n): a doubly linked list of parts plus a min-heap of (rank, position) with lazy
/// deletion. Pieces can be megabytes long (a file without spaces, a run of one character).
enum LongPieceMerger {
    static func merge<Sink: TokenSink>(_ piece: UnsafePointer<UInt8>, _ length: Int, ranks: RankTable, into sink: inout Sink) {
        let missing = RankTable.missing
        // Parts are named by the byte offset where they start; `next[i] == -1` marks a part
        // that was merged into its left neighbour.
        let next = UnsafeMutablePointer<Int32>.allocate(capacity: length)
        let previous = UnsafeMutablePointer<Int32>.allocate(capacity: length)
        let pairRanks = UnsafeMutablePointer<UInt32>.allocate(capacity: length)
        // The token each live part currently is.
        let partRanks = UnsafeMutablePointer<UInt32>.allocate(capacity: length)
        // Each merge pushes at most two entries, so 3n never overflows.
        var heap = RankHeap(capacity: 3 * length)
        defer {
            next.deallocate()
            previous.deallocate()
            pairRanks.deallocate()
            partRanks.deallocate()
            heap.deallocate()
        }
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
}

/// A binary min-heap of (rank, position) packed into one `UInt64`, so that comparing keys
/// compares rank first and position second — tiktoken's tie-break.
struct RankHeap {
    private let storage: UnsafeMutablePointer<UInt64>
    private var count = 0

    init(capacity: Int) {
        storage = .allocate(capacity: max(capacity, 1))
    }

    func deallocate() {
        storage.deallocate()
    }

    mutating func append(_ rank: UInt32, _ position: Int) {
        storage[count] = UInt64(rank) << 32 | UInt64(position)
        count += 1
    }

    mutating func heapify() {
        var i = count / 2
        while i > 0 {
            i -= 1
            siftDown(i)
        }
    }

    mutating func push(_ rank: UInt32, _ position: Int) {
        var i = count
        let key = UInt64(rank) << 32 | UInt64(position)
        count += 1
        while i > 0 {
            let parent = (i - 1) / 2
            if storage[parent] <= key { break }
            storage[i] = storage[parent]
            i = parent
        }
        storage[i] = key
    }

    mutating func popMin() -> (UInt32, Int)? {
        guard count > 0 else { return nil }
        let top = storage[0]
        count -= 1
        if count > 0 {
            storage[0] = storage[count]
            siftDown(0)
        }
        return (UInt32(truncatingIfNeeded: top >> 32), Int(truncatingIfNeeded: top & 0xFFFF_FFFF))
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let key = storage[i]
        while true {
            var child = 2 * i + 1
            if child >= count { break }
            if child + 1 < count, storage[child + 1] < storage[child] { child += 1 }
            if key <= storage[child] { break }
            storage[i] = storage[child]
            i = child
        }
        storage[i] = key
    }
}
