import Foundation
import ShepherdCore

@testable import ShepherdLedger

/// Round prices so every expected cost in the audit tests is worked out by hand.
enum AuditFixtures {
    static let catalog = PriceCatalog(models: [
        "gpt-4o": ModelPrice(input: decimal("2.5"), cachedInput: decimal("1.25"), output: decimal("10"), provider: "openai"),
        "claude-x": ModelPrice(input: decimal("3"), cachedInput: decimal("0.3"), output: decimal("15"), provider: "anthropic"),
        "flash": ModelPrice(input: decimal("0.30"), cachedInput: decimal("0.075"), output: decimal("2.50"), provider: "gemini"),
    ])
    static let calculator = CostCalculator(prices: [:], catalog: catalog)

    /// One line of each shape. Expected costs (USD per 1M tokens, above):
    /// openai    (800×2.5 + 400×1.25 + 300×10)     / 1M = 0.0055
    /// anthropic (300×3 + 1000×0.3 + 50×15)        / 1M = 0.00195   (100 + 200 written uncached, 1000 read)
    /// gemini    (1500×0.3 + 500×0.075 + 400×2.5)  / 1M = 0.0014875 (thoughts are output)
    /// seed      (10×2.5 + 5×10)                   / 1M = 0.000075
    /// litellm   (100×2.5 + 20×10)                 / 1M = 0.00045
    /// shepherd  (400×2.5 + 100×1.25 + 50×10)      / 1M = 0.001625
    static let openAI = #"{"id":"chatcmpl-1","object":"chat.completion","created":1748736000,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"a \"quoted\" [answer] {x}"}}],"usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":400,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}"#
    static let anthropic = #"{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":100,"output_tokens":50,"cache_read_input_tokens":1000,"cache_creation_input_tokens":200}}"#
    static let gemini = #"{"candidates":[{"content":{"parts":[{"text":"hi"}],"role":"model"}}],"modelVersion":"flash","usageMetadata":{"promptTokenCount":2000,"candidatesTokenCount":300,"cachedContentTokenCount":500,"thoughtsTokenCount":100,"totalTokenCount":2400}}"#
    static let seed = #"{"model":"gpt-4o","usage":{"input_tokens":10,"output_tokens":5}}"#
    static let liteLLM = #"{"request_id":"r1","call_type":"acompletion","model":"gpt-4o","prompt_tokens":100,"completion_tokens":20,"total_tokens":120,"spend":0.00045,"startTime":"2025-06-01 12:00:00.000","endTime":"2025-06-01 12:00:01.000"}"#
    static let shepherd = #"{"id":"req_1","time":"2025-06-02T00:00:00Z","public_model":"chat","provider":"openai","target_model":"gpt-4o","input_tokens":500,"cached_input_tokens":100,"output_tokens":50,"cost_usd":"0.001625"}"#

    static func parse(_ line: String) -> Result<UsageLine, SkipReason> {
        var bytes = Array(line.utf8)
        return bytes.withUnsafeMutableBufferPointer { UsageLineParser.parse(UnsafeBufferPointer($0)) }
    }

    static func line(_ text: String) throws -> UsageLine {
        try parse(text).get()
    }
}

/// A temporary file with `contents`, removed afterwards.
func withTemporaryLog<T>(_ contents: Data, suffix: String = ".jsonl", _ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)\(suffix)").path
    try contents.write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

func withTemporaryLog<T>(lines: [String], _ body: (String) throws -> T) throws -> T {
    try withTemporaryLog(Data(lines.map { $0 + "\n" }.joined().utf8), body)
}

/// Gzips `path` with the system gzip (as a user would) into `path.gz`, returning the new path.
func gzipped(_ path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-kf", path]
    try process.run()
    process.waitUntilExit()
    return path + ".gz"
}
