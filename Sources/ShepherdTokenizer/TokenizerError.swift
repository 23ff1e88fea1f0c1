/// Why a tokenizer could not be loaded.
public enum TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The rank file is not among the package resources.
    case vocabularyMissing(encoding: String)
    /// The rank file exists but could not be read.
    case vocabularyUnreadable(encoding: String, reason: String)
    /// The rank file is not the official one; its tokens would silently disagree with OpenAI's.
    case vocabularyHashMismatch(encoding: String, expected: String, actual: String)
    /// A line of the rank file is not `base64 SPACE rank`, or ranks are not 0, 1, 2, ….
    case vocabularyMalformed(encoding: String, line: Int)

    public var description: String {
        switch self {
        case .vocabularyMissing(let encoding):
            "tokenizer vocabulary \(encoding).tiktoken is missing from the ShepherdTokenizer resources"
        case .vocabularyUnreadable(let encoding, let reason):
            "tokenizer vocabulary \(encoding).tiktoken could not be read: \(reason)"
        case .vocabularyHashMismatch(let encoding, let expected, let actual):
            "tokenizer vocabulary \(encoding).tiktoken has sha256 \(actual), expected \(expected)"
        case .vocabularyMalformed(let encoding, let line):
            "tokenizer vocabulary \(encoding).tiktoken is malformed at line \(line)"
        }
    }
}
