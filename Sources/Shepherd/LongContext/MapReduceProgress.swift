import Foundation

/// Where a run is, reported after every call (and once before each phase starts).
public struct MapReduceProgress: Sendable, Hashable {
    public enum Phase: Sendable, Hashable {
        case map
        /// Level 1 reduces the map results, level 2 the results of level 1, …
        case reduce(level: Int)
    }

    public var phase: Phase
    /// Calls of this phase answered, from the checkpoint included.
    public var done: Int
    public var total: Int
    /// Of `done`, answered from the checkpoint without a call.
    public var reused: Int
    /// Retries so far in the whole run.
    public var retries: Int
}

/// What a run produced and what it took.
public struct MapReduceOutcome: Sendable, Hashable {
    public var answer: String
    public var chunks: Int
    /// Calls made by this run (the ones paid for now), by phase.
    public var mapCalls: Int
    public var reduceCalls: Int
    /// Calls answered from the checkpoint instead.
    public var reusedCalls: Int
    public var reduceLevels: Int
    /// Tokens of the calls this run made.
    public var paid: TokenTally
    /// What this run's calls cost as the server reported it; nil when some call's cost was
    /// not reported (a client or server that does not say), 0 when no call was made.
    public var paidCostUSD: Decimal?
    /// Tokens of every call the answer rests on, checkpointed ones included.
    public var total: TokenTally
    public var retries: Int
    /// Partial results cut to fit a reduce call (a model that wrote past `max_tokens`).
    public var truncatedPartials: Int
}
