/// The member names of one JSON object seen so far, to refuse a duplicate.
///
/// The objects read on the hot path (a request's top level, a message, a streamed chunk and
/// its choice and delta) have a handful of members, so the first eight are kept inline and
/// compared one by one: a `Set<String>` allocated its storage and hashed every name, and that
/// was a quarter of the CPU spent on each streamed event (docs/PERFORMANCE.md, sixth pass).
/// Larger objects go on in a set.
struct SeenKeys {
    private var inline = InlineArray<8, String>(repeating: "")
    private var inlineCount = 0
    private var more: Set<String> = []

    /// False when `key` was seen before.
    mutating func insert(_ key: String) -> Bool {
        for index in 0..<inlineCount where inline[index] == key { return false }
        if inlineCount < 8 {
            inline[inlineCount] = key
            inlineCount += 1
            return true
        }
        return more.insert(key).inserted
    }
}
