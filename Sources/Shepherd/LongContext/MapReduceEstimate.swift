/// What a run will cost in calls and tokens, before any call is made. Output tokens are an
/// upper bound: every call is counted at its `max_tokens`.
public struct MapReduceEstimate: Sendable, Hashable {
    public var chunks: Int
    public var mapCalls: Int
    public var reduceCalls: Int
    /// Reduce calls per level, the first level first; empty when one call reads the whole document.
    public var reduceCallsPerLevel: [Int]
    public var inputTokens: Int
    public var outputTokens: Int

    public var calls: Int { mapCalls + reduceCalls }
    public var tally: TokenTally { TokenTally(input: inputTokens, output: outputTokens) }
}

/// Input and output tokens, of one call or many.
public struct TokenTally: Sendable, Hashable, Codable {
    public var input: Int
    public var output: Int

    public init(input: Int = 0, output: Int = 0) {
        self.input = input
        self.output = output
    }

    public static func + (lhs: TokenTally, rhs: TokenTally) -> TokenTally {
        TokenTally(input: lhs.input + rhs.input, output: lhs.output + rhs.output)
    }

    public static func += (lhs: inout TokenTally, rhs: TokenTally) { lhs = lhs + rhs }
}
