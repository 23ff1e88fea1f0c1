/// A request the target's API cannot express (audio for Anthropic, a tool result for an
/// unknown call). The client's fault, so it must end as a 400 and never be retried.
public struct TranslationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension UpstreamFailure {
    /// Refused before sending: reported as the 400 the upstream would have answered, so the
    /// gateway neither retries it nor blames the provider.
    init(provider: String, model: String, untranslatable error: TranslationError) {
        self.init(provider: provider, model: model, kind: .status(400), message: error.message)
    }
}
