/// Precomputed classes for planes 0 and 1 (everything but rare CJK extensions, tags and private
/// use; plane 1 holds the emoji). Building it costs a few milliseconds once per process; the
/// stdlib's property lookups cost ~100 ns a scalar, too slow for the hot loop.
final class ScalarClassTable: @unchecked Sendable {
    // @unchecked: the buffer is written only in `init` and read-only afterwards.
    static let shared = ScalarClassTable()
    static let tableSize = 0x20000

    let classes: UnsafeMutablePointer<UInt8>

    private init() {
        classes = .allocate(capacity: Self.tableSize)
        for value in 0..<UInt32(Self.tableSize) {
            classes[Int(value)] = ScalarClass.compute(value)
        }
    }

    deinit {
        classes.deallocate()
    }
}
