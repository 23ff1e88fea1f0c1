/// A quick size estimate (about four bytes of text per token) for where an exact count is
/// not needed: the mock provider's usage and rough preflight. Exact counts come from
/// ShepherdTokenizer.
public enum TokenEstimate {
    public static func approximate(_ text: String) -> Int {
        text.isEmpty ? 0 : max(1, (text.utf8.count + 3) / 4)
    }

    /// Messages as OpenAI counts them: a few tokens of framing per message, plus 3 to prime
    /// the reply.
    public static func prompt(_ messages: [ChatMessage]) -> Int {
        messages.reduce(3) { total, message in total + 4 + approximate(message.text) }
    }
}
