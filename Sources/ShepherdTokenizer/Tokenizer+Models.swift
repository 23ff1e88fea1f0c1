extension Tokenizer {
    /// The encoding OpenAI uses for `model`, following tiktoken 0.14.0's model table; nil for
    /// models whose encoding Shepherd does not ship or cannot know. A routing prefix
    /// (`openai/gpt-4o`) and a fine-tune prefix (`ft:gpt-4o-mini:org::id`) are ignored.
    public static func forModel(_ model: String) -> EncodingName? {
        var name = Substring(model.lowercased())
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        if name.hasPrefix("ft:") { name = name.dropFirst(3) }
        for (family, encoding, separators) in families where name.hasPrefix(family) {
            let rest = name.dropFirst(family.count)
            if let first = rest.first {
                if separators.contains(first) { return encoding }
            } else {
                return encoding
            }
        }
        return nil
    }

    /// Model families, most specific first (`gpt-4o` before `gpt-4`), with the characters
    /// allowed right after the family name (`gpt-4-turbo`, `gpt-5.1`, `gpt-4o-mini`).
    private static let families: [(String, EncodingName, Set<Character>)] = [
        ("gpt-4o", .o200k_base, ["-", ":"]),
        ("chatgpt-4o", .o200k_base, ["-", ":"]),
        ("gpt-4.1", .o200k_base, ["-", ":"]),
        ("gpt-4.5", .o200k_base, ["-", ":"]),
        ("gpt-5", .o200k_base, ["-", ".", ":"]),
        ("o1", .o200k_base, ["-", ":"]),
        ("o3", .o200k_base, ["-", ":"]),
        ("o4-mini", .o200k_base, ["-", ":"]),
        ("gpt-4", .cl100k_base, ["-", ":"]),
        ("gpt-3.5-turbo", .cl100k_base, ["-", ":"]),
        ("gpt-3.5", .cl100k_base, ["-", ":"]),
        ("gpt-35-turbo", .cl100k_base, ["-", ":"]),
        ("text-embedding-3-small", .cl100k_base, []),
        ("text-embedding-3-large", .cl100k_base, []),
        ("text-embedding-ada-002", .cl100k_base, []),
        ("davinci-002", .cl100k_base, []),
        ("babbage-002", .cl100k_base, []),
    ]
}
