/// OpenAI tool-call ids for Gemini function calls. Gemini 3 refuses a replayed function
/// call without the `thoughtSignature` it came with, and OpenAI clients keep nothing but
/// the call's id, so the signature rides inside the id and is taken back out on the way in.
enum GeminiToolCallID {
    static let separator = "__thought__"
    /// Gemini's documented placeholder for calls whose signature was lost (history written
    /// by another model or client); it tells Gemini 3 to skip the check.
    static let placeholderSignature = "skip_thought_signature_validator"

    /// Gemini's own call id when it sent one, else `fallback` (unique within the answer's
    /// id, as OpenAI's are).
    static func make(callID: String?, fallback: String, signature: String?) -> String {
        let base = callID.map { $0.hasPrefix("call_") ? $0 : "call_\($0)" } ?? fallback
        guard let signature, !signature.isEmpty else { return base }
        return base + separator + signature
    }

    /// The signature carried in an id, if any.
    static func signature(in id: String) -> String? {
        guard let range = id.range(of: separator) else { return nil }
        let signature = id[range.upperBound...]
        return signature.isEmpty ? nil : String(signature)
    }
}
