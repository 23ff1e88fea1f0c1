import Foundation

/// Byte-level BPE exactly as OpenAI's tiktoken 0.14.0 computes it, for `cl100k_base` and
/// `o200k_base`. Immutable after loading; one instance is shared by all threads.
public final class Tokenizer: Sendable {
    public let encoding: EncodingName
    let ranks: RankTable
    let specials: SpecialTokens

    init(encoding: EncodingName, ranks: RankTable) {
        self.encoding = encoding
        self.ranks = ranks
        self.specials = SpecialTokens(encoding.specialTokens)
    }

    /// The shared tokenizer for `name`. The vocabulary is read from the package resources and
    /// its sha256 checked the first time each encoding is asked for; later calls are free.
    public static func load(_ name: EncodingName) throws -> Tokenizer {
        switch name {
        case .cl100k_base: try sharedCL100K.get()
        case .o200k_base: try sharedO200K.get()
        }
    }

    /// A tokenizer for `name` read from a rank file outside the package resources (for a
    /// deployment that ships the binary without its resource bundle). Not cached; the file must
    /// still be the official one (sha256-checked).
    public static func load(_ name: EncodingName, vocabularyFile: URL) throws -> Tokenizer {
        Tokenizer(encoding: name, ranks: try VocabularyLoader.load(name, file: vocabularyFile))
    }

    /// Token ids of `text`. With `allowSpecial` the special-token strings in the text (such as
    /// `<|endoftext|>`) become their special ids; without it they are ordinary text, like
    /// tiktoken's `encode_ordinary`.
    public func encode(_ text: String, allowSpecial: Bool = false) -> [Int] {
        var collector = TokenCollector(capacity: text.utf8.count / 3 + 1)
        encode(text, allowSpecial: allowSpecial, into: &collector)
        return TokenCollector.ids(of: [collector])
    }

    /// The number of tokens `encode(text, allowSpecial:)` would return.
    public func count(_ text: String, allowSpecial: Bool = false) -> Int {
        var counter = TokenCounter()
        encode(text, allowSpecial: allowSpecial, into: &counter)
        return counter.count
    }

    /// The bytes of the tokens, concatenated. Ids that are neither a rank nor a special token
    /// of this encoding are skipped.
    public func decodeBytes(_ ids: [Int]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids {
            if id >= 0, id < ranks.count {
                bytes.append(contentsOf: ranks.tokenBytes(id))
            } else if let special = specials.bytes(forID: id) {
                bytes.append(contentsOf: special)
            }
        }
        return bytes
    }

    /// The text of the tokens. Bytes that are not valid UTF-8 (a sequence cut inside a character)
    /// become U+FFFD, the same policy as tiktoken's `decode` (`errors="replace"`).
    public func decode(_ ids: [Int]) -> String {
        String(decoding: decodeBytes(ids), as: UTF8.self)
    }
}

// Global lets are initialized lazily, exactly once, thread-safely: loading happens on first use.
private let sharedCL100K = Result { Tokenizer(encoding: .cl100k_base, ranks: try VocabularyLoader.load(.cl100k_base)) }
private let sharedO200K = Result { Tokenizer(encoding: .o200k_base, ranks: try VocabularyLoader.load(.o200k_base)) }
