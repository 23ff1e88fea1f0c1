import Foundation

/// Removes credentials from text that came from an upstream (error messages can echo part
/// of the key that was sent, as OpenAI's "Incorrect API key provided: sk-ab…" does).
public struct Redactor: Sendable {
    private let secrets: [String]

    public init(secrets: [String]) {
        self.secrets = secrets.filter { $0.count >= 4 }
    }

    public func redact(_ text: String) -> String {
        var out = text
        for secret in secrets where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return Self.maskKeyLikeTokens(out)
    }

    /// Masks anything shaped like an API key (`sk-…`, `AIza…`), whole or partial.
    static func maskKeyLikeTokens(_ text: String) -> String {
        guard text.contains("sk-") || text.contains("AIza") || text.contains("key") else { return text }
        var words: [Substring] = []
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let trimmed = word.drop { !$0.isLetter && !$0.isNumber }
            if trimmed.hasPrefix("sk-") || trimmed.hasPrefix("AIza") {
                words.append("[redacted]")
            } else {
                words.append(word)
            }
        }
        return words.joined(separator: " ")
    }
}
