import ShepherdCore

/// What one map-reduce run over a document asks for, and the room each call has.
public struct MapReduceSettings: Sendable, Hashable {
    /// The model name sent with every call (a gateway's public model, or a provider's model).
    public var model: String
    /// What to find out from the document, in the user's words.
    public var task: String
    /// Input tokens one call may carry, its prompt framing included.
    public var contextWindow: Int
    /// The most document tokens one map call reads; lowered to fit the window when needed.
    public var chunkTokens: Int
    /// Tokens consecutive chunks share, so a fact cut by a chunk boundary is seen whole once.
    public var overlap: Int
    /// `max_tokens` of every call, which is also the output the estimate assumes per call.
    public var maxOutputTokens: Int
    /// Calls in flight at once.
    public var concurrency: Int
    /// Sampling temperature; 0 by default so a rerun of a failed call answers alike.
    public var temperature: Double?

    public init(
        model: String, task: String, contextWindow: Int, chunkTokens: Int = 8_000, overlap: Int = 0,
        maxOutputTokens: Int = 1_024, concurrency: Int = 4, temperature: Double? = 0
    ) {
        self.model = model
        self.task = task
        self.contextWindow = contextWindow
        self.chunkTokens = chunkTokens
        self.overlap = overlap
        self.maxOutputTokens = maxOutputTokens
        self.concurrency = concurrency
        self.temperature = temperature
    }
}

/// Why a run cannot be planned. Descriptions are one line, for a CLI error.
public enum MapReducePlanError: Error, Sendable, Hashable, CustomStringConvertible {
    case emptyTask
    case emptyDocument
    case invalidSetting(String)
    /// The window leaves no room for a chunk, or for two partial results in one reduce call.
    case windowTooSmall(window: Int, needed: Int, why: String)

    public var description: String {
        switch self {
        case .emptyTask: "the task is empty; say what to find out with --task"
        case .emptyDocument: "the document is empty; there is nothing to analyze"
        case .invalidSetting(let message): message
        case .windowTooSmall(let window, let needed, let why):
            "a context window of \(window) tokens is too small: \(why) needs at least \(needed)"
        }
    }
}
