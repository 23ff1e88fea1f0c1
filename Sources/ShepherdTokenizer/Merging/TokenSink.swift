import Dispatch

/// Where encoded ranks go. Generic so `count` does not build an array it throws away.
protocol TokenSink {
    mutating func emit(_ rank: UInt32)
}

/// Collects ranks as `UInt32` in raw memory: appending to an `[Int]` pays a uniqueness and
/// capacity check per token and twice the memory traffic. `ids(of:)` turns the parts into the
/// public `[Int]` in one pass and frees them.
struct TokenCollector: TokenSink, @unchecked Sendable {
    // @unchecked: a collector is filled by one thread, then read once the parallel call is over.
    fileprivate private(set) var storage: UnsafeMutablePointer<UInt32>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        storage = .allocate(capacity: self.capacity)
    }

    @inline(__always)
    mutating func emit(_ rank: UInt32) {
        if count == capacity { grow() }
        storage[count] = rank
        count += 1
    }

    @inline(never)
    private mutating func grow() {
        let larger = UnsafeMutablePointer<UInt32>.allocate(capacity: 2 * capacity)
        larger.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = larger
        capacity *= 2
    }

    /// The ranks of all `parts`, in order, as ids; every part's memory is freed. With
    /// `threads > 1` the parts are copied concurrently (the copy is memory-bound, and first
    /// touching the result's pages costs as much again).
    static func ids(of parts: [TokenCollector], threads: Int = 1) -> [Int] {
        var offsets = [0]
        for part in parts { offsets.append(offsets[offsets.count - 1] + part.count) }
        let total = offsets[offsets.count - 1]
        return [Int](unsafeUninitializedCapacity: total) { ids, initialized in
            let copy = PartCopy(parts: parts, offsets: offsets, ids: ids.baseAddress)
            let workers = min(threads, parts.count)
            if workers > 1 {
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    for part in stride(from: worker, to: parts.count, by: workers) { copy.run(part) }
                }
            } else {
                for part in parts.indices { copy.run(part) }
            }
            initialized = total
        }
    }
}

/// One `ids(of:threads:)` call's shared state. `@unchecked Sendable`: each part is read, freed
/// and written to its own range of `ids` by exactly one thread.
private final class PartCopy: @unchecked Sendable {
    let parts: [TokenCollector]
    let offsets: [Int]
    let ids: UnsafeMutablePointer<Int>?

    init(parts: [TokenCollector], offsets: [Int], ids: UnsafeMutablePointer<Int>?) {
        self.parts = parts
        self.offsets = offsets
        self.ids = ids
    }

    func run(_ index: Int) {
        let part = parts[index]
        if let ids {
            let target = ids + offsets[index]
            for i in 0..<part.count { target[i] = Int(part.storage[i]) }
        }
        part.storage.deallocate()
    }
}

struct TokenCounter: TokenSink {
    var count = 0

    @inline(__always)
    mutating func emit(_ rank: UInt32) {
        count += 1
    }
}
