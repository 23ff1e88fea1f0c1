/// How partial results are grouped into reduce calls, level after level, until one answer.
///
/// Every partial is first held to ``itemCap(room:perItem:)`` — half the room a reduce call
/// has — so any two consecutive partials fit one call. Grouping greedily then always puts at
/// least two partials in the first group, so each level has fewer items than the one before
/// and the reduce ends, however large the partials the model wrote.
public enum ReduceGrouping {
    /// The most tokens one partial may keep so that any two fit a call of `room` tokens.
    public static func itemCap(room: Int, perItem: Int) -> Int {
        room / 2 - perItem
    }

    /// Consecutive groups of `sizes` whose tokens, `perItem` added to each, fit `room`.
    /// Sizes over ``itemCap(room:perItem:)`` must be cut down first; one that is not still gets
    /// a group of its own, so the grouping never loops.
    public static func groups(sizes: [Int], room: Int, perItem: Int) -> [Range<Int>] {
        var groups: [Range<Int>] = []
        var start = 0
        var total = 0
        for (index, size) in sizes.enumerated() {
            let cost = size + perItem
            if index > start, total + cost > room {
                groups.append(start..<index)
                start = index
                total = 0
            }
            total += cost
        }
        if start < sizes.count { groups.append(start..<sizes.count) }
        return groups
    }

    /// The reduce levels for partials of `sizes`, each call answering `outputTokens`: calls per
    /// level and the input tokens they read (`overhead` being each call's prompt framing). A
    /// level's lone partial passes to the next level without a call, except in the last level,
    /// which always calls to turn notes into an answer.
    public static func simulate(
        sizes initial: [Int], room: Int, perItem: Int, overhead: Int, outputTokens: Int
    ) -> (callsPerLevel: [Int], inputTokens: Int) {
        let cap = max(itemCap(room: room, perItem: perItem), 1)
        var sizes = initial.map { min($0, cap) }
        var callsPerLevel: [Int] = []
        var inputTokens = 0
        while !sizes.isEmpty {
            let groups = groups(sizes: sizes, room: room, perItem: perItem)
            let final = groups.count == 1
            var next: [Int] = []
            var calls = 0
            for group in groups {
                if group.count == 1, !final {
                    next.append(sizes[group.lowerBound])
                    continue
                }
                calls += 1
                inputTokens += overhead + sizes[group].reduce(0) { $0 + $1 + perItem }
                next.append(min(outputTokens, cap))
            }
            callsPerLevel.append(calls)
            if final { break }
            sizes = next
        }
        return (callsPerLevel, inputTokens)
    }
}
