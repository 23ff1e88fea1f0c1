import Foundation

/// The log formats the audit understands, detected line by line.
public enum LogShape: String, Sendable, CaseIterable {
    case openAI = "openai"
    case anthropic
    case gemini
    /// The seed's `{"model", "usage": {"input_tokens", "output_tokens"}}`.
    case seed
    case liteLLM = "litellm"
    /// Shepherd's own ledger export.
    case shepherd
}

/// One request's usage in OpenAI's terms: `inputTokens` includes `cachedInputTokens`, which is
/// what ``CostCalculator`` expects, so every shape is normalised to it here.
public struct UsageLine: Sendable, Equatable {
    public var shape: LogShape
    public var model: String
    /// The provider the line names, when it names one.
    public var provider: String?
    public var inputTokens: Int
    public var cachedInputTokens: Int
    public var outputTokens: Int
    /// Seconds since 1970, when the line carries a time.
    public var time: Double?
}

/// Why a line was not used.
public enum SkipReason: String, Error, Sendable, CaseIterable, Comparable {
    case notJSON = "not valid JSON"
    case notObject = "not a JSON object"
    case unknownShape = "no usage fields of a known log format"
    case noModel = "no model name"
    case badTokens = "token counts missing, negative or not whole numbers"
    case tooLong = "line longer than 16 MiB"

    public static func < (lhs: SkipReason, rhs: SkipReason) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

enum UsageLineParser {
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<UsageLine, SkipReason> {
        let json: UsageJSON
        do {
            json = try UsageJSONScanner.parse(bytes)
        } catch {
            return .failure(.notJSON)
        }
        guard case .object = json else { return .failure(.notObject) }
        if let line = detect(json) { return line }
        // OpenAI's batch output wraps each response: {"custom_id", "response": {"body": {…}}}.
        if let body = json[path: ["response", "body"]], let line = detect(body) {
            return line.map { var line = $0; line.time = line.time ?? time(of: json); return line }
        }
        return .failure(.unknownShape)
    }

    /// nil when the object has none of the known usage fields.
    private static func detect(_ json: UsageJSON) -> Result<UsageLine, SkipReason>? {
        if json["input_tokens"] != nil, json["public_model"] != nil || json["target_model"] != nil {
            return shepherd(json)
        }
        if let usage = json["usageMetadata"], case .object = usage { return gemini(json, usage) }
        if let usage = json["usage"], case .object = usage {
            if usage["prompt_tokens"] != nil || usage["completion_tokens"] != nil { return openAI(json, usage) }
            if usage["input_tokens"] != nil || usage["output_tokens"] != nil { return anthropicOrSeed(json, usage) }
        }
        if json["prompt_tokens"] != nil, json["completion_tokens"] != nil { return liteLLM(json) }
        return nil
    }

    // MARK: Shapes

    private static func openAI(_ json: UsageJSON, _ usage: UsageJSON) -> Result<UsageLine, SkipReason> {
        guard let input = count(usage["prompt_tokens"]), let output = count(usage["completion_tokens"]),
            let cached = count(usage[path: ["prompt_tokens_details", "cached_tokens"]], missing: 0)
        else { return .failure(.badTokens) }
        return make(.openAI, json, model: json["model"]?.string, provider: "openai", input: input, cached: cached, output: output)
    }

    /// Anthropic's `input_tokens` leave out cache reads and cache writes; both are input, and
    /// the reads are the cached part. Cache writes are billed as plain input, since the catalog
    /// has no cache-write price (Anthropic charges them at a premium, so this is a lower bound).
    private static func anthropicOrSeed(_ json: UsageJSON, _ usage: UsageJSON) -> Result<UsageLine, SkipReason> {
        guard let uncached = count(usage["input_tokens"]), let output = count(usage["output_tokens"]),
            let read = count(usage["cache_read_input_tokens"], missing: 0),
            let written = count(usage["cache_creation_input_tokens"], missing: 0)
        else { return .failure(.badTokens) }
        let anthropic = usage["cache_read_input_tokens"] != nil || usage["cache_creation_input_tokens"] != nil
            || json["type"]?.string == "message"
        let input = uncached + read + written  // each is at most maxTokens, so no overflow
        return make(anthropic ? .anthropic : .seed, json, model: json["model"]?.string,
                    provider: anthropic ? "anthropic" : nil, input: input, cached: read, output: output)
    }

    /// Gemini bills thinking tokens as output; `promptTokenCount` already includes the cached part.
    private static func gemini(_ json: UsageJSON, _ usage: UsageJSON) -> Result<UsageLine, SkipReason> {
        guard let input = count(usage["promptTokenCount"], missing: 0),
            let candidates = count(usage["candidatesTokenCount"], missing: 0),
            let thoughts = count(usage["thoughtsTokenCount"], missing: 0),
            let cached = count(usage["cachedContentTokenCount"], missing: 0),
            usage["promptTokenCount"] != nil || usage["candidatesTokenCount"] != nil
        else { return .failure(.badTokens) }
        return make(.gemini, json, model: json["modelVersion"]?.string ?? json["model"]?.string, provider: "gemini",
                    input: input, cached: cached, output: candidates + thoughts)
    }

    private static func liteLLM(_ json: UsageJSON) -> Result<UsageLine, SkipReason> {
        guard let input = count(json["prompt_tokens"]), let output = count(json["completion_tokens"]) else {
            return .failure(.badTokens)
        }
        return make(.liteLLM, json, model: json["model"]?.string, provider: json["custom_llm_provider"]?.string,
                    input: input, cached: 0, output: output)
    }

    /// The export prices the model that answered (`target_model` at `provider`), which is what
    /// was billed; `public_model` is only the alias the client used.
    private static func shepherd(_ json: UsageJSON) -> Result<UsageLine, SkipReason> {
        guard let input = count(json["input_tokens"]), let output = count(json["output_tokens"]),
            let cached = count(json["cached_input_tokens"], missing: 0)
        else { return .failure(.badTokens) }
        let model = json["target_model"]?.string ?? json["public_model"]?.string
        return make(.shepherd, json, model: model, provider: json["provider"]?.string, input: input, cached: cached, output: output)
    }

    // MARK: Fields

    private static func make(
        _ shape: LogShape, _ json: UsageJSON, model: String?, provider: String?, input: Int, cached: Int, output: Int
    ) -> Result<UsageLine, SkipReason> {
        guard var model, !model.isEmpty else { return .failure(.noModel) }
        // Foundation's trimming is slow enough to show per line; only call it when needed.
        if model.first!.isWhitespace || model.last!.isWhitespace { model = model.trimmingCharacters(in: .whitespaces) }
        guard !model.isEmpty else { return .failure(.noModel) }
        // A cached count above the prompt is a logging error; clamping keeps tokens counted once.
        return .success(UsageLine(
            shape: shape, model: model, provider: provider?.isEmpty == false ? provider : nil, inputTokens: input,
            cachedInputTokens: min(cached, input), outputTokens: output, time: time(of: json)))
    }

    /// No real request comes near a billion tokens; the cap turns corrupt counts into skipped
    /// lines and keeps the totals of any plausible log far from overflowing.
    static let maxTokens = 1_000_000_000

    /// A token count: a whole number in 0...maxTokens. `missing` is the value for an absent field.
    private static func count(_ value: UsageJSON?, missing: Int? = nil) -> Int? {
        guard let value else { return missing }
        if case .other = value { return missing }  // null
        guard let number = value.int, (0...maxTokens).contains(number) else { return nil }
        return number
    }

    private static let timeKeys = ["created", "startTime", "time", "timestamp"]

    private static func time(of json: UsageJSON) -> Double? {
        for key in timeKeys {
            guard let value = json[key] else { continue }
            if let seconds = value.number { return LogTime.unix(seconds) }
            if let text = value.string, let seconds = LogTime.parse(text) { return seconds }
        }
        return nil
    }
}
