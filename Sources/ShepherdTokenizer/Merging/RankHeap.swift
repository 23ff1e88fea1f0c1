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

    mutating func removeAll() {
        count = 0
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
