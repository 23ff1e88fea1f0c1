/// Where encoded ranks go. Generic so `count` does not build an array it throws away.
protocol TokenSink {
    mutating func emit(_ rank: UInt32)
}

struct TokenCollector: TokenSink {
    var ids: [Int] = []

    @inline(__always)
    mutating func emit(_ rank: UInt32) {
        ids.append(Int(rank))
    }
}

struct TokenCounter: TokenSink {
    var count = 0

    @inline(__always)
    mutating func emit(_ rank: UInt32) {
        count += 1
    }
}
