/// One answered call in a checkpoint: which call, what the model said and what it cost.
public struct CheckpointEntry: Codable, Sendable, Hashable {
    /// `map:7` for chunk 7, `single` for a one-chunk document, `reduce:…` with a hash of the
    /// reduce call's inputs for a reduce call.
    public var id: String
    public var text: String
    public var inputTokens: Int
    public var outputTokens: Int
    /// What the gateway said the call cost (exact decimal text), when it said.
    public var costUSD: String?

    public init(id: String, text: String, inputTokens: Int, outputTokens: Int, costUSD: String? = nil) {
        self.id = id
        self.text = text
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.costUSD = costUSD
    }

    public var tally: TokenTally { TokenTally(input: inputTokens, output: outputTokens) }

    enum CodingKeys: String, CodingKey {
        case id, text
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case costUSD = "cost_usd"
    }
}

/// The first line of a checkpoint file: what run it belongs to.
struct CheckpointHeader: Codable, Hashable {
    var format: String
    var key: String
    var model: String
    var chunks: Int

    static let formatName = "shepherd-analyze-checkpoint/1"
}

/// Why a checkpoint cannot be used. Descriptions are one line, for a CLI error.
public enum CheckpointError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Results of an earlier run of the same analysis exist and `resume` was not asked for.
    case existing(path: String, entries: Int)
    /// The file belongs to another document, task, model or chunking.
    case mismatchedKey(path: String)
    /// The file is not a checkpoint (its first line is not a checkpoint header).
    case notACheckpoint(path: String)
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .existing(let path, let entries):
            "\(path) holds \(entries) results of an earlier run of this analysis; pass --resume to reuse them, or delete it to start over"
        case .mismatchedKey(let path):
            "\(path) is the checkpoint of another analysis (document, task, model or chunking differ); refusing to reuse or overwrite it"
        case .notACheckpoint(let path):
            "\(path) is not an analyze checkpoint; refusing to overwrite it"
        case .io(let path, let reason): "cannot write the checkpoint \(path): \(reason)"
        }
    }
}
