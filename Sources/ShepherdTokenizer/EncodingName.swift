/// The tiktoken encodings Shepherd ships.
public enum EncodingName: String, Sendable, CaseIterable {
    case cl100k_base
    case o200k_base
}

extension EncodingName {
    /// sha256 of the official rank file, as pinned by tiktoken 0.14.0 (`expected_hash`).
    var expectedSHA256: String {
        switch self {
        case .cl100k_base: "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
        case .o200k_base: "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
        }
    }

    /// Special tokens exactly as tiktoken 0.14.0 defines them; they are not in the rank file.
    var specialTokens: [(text: String, id: Int)] {
        switch self {
        case .cl100k_base:
            [
                ("<|endoftext|>", 100_257), ("<|fim_prefix|>", 100_258), ("<|fim_middle|>", 100_259),
                ("<|fim_suffix|>", 100_260), ("<|endofprompt|>", 100_276),
            ]
        case .o200k_base:
            [("<|endoftext|>", 199_999), ("<|endofprompt|>", 200_018)]
        }
    }
}
