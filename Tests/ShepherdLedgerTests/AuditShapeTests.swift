import Foundation
import ShepherdCore
import Testing

@testable import ShepherdLedger

@Suite("Audit: log shapes")
struct AuditShapeTests {
    let calculator = AuditFixtures.calculator

    private func cost(_ text: String) throws -> Decimal {
        let line = try AuditFixtures.line(text)
        let usage = Usage(promptTokens: line.inputTokens, completionTokens: line.outputTokens, cachedTokens: line.cachedInputTokens)
        let target = AuditReport.target(model: line.model, provider: line.provider, catalog: calculator.catalog)
        let quote = calculator.quote(usage, at: target)
        #expect(quote.priced)
        return quote.costUSD
    }

    @Test("OpenAI response: cached tokens are part of prompt_tokens and counted once")
    func openAI() throws {
        let line = try AuditFixtures.line(AuditFixtures.openAI)
        #expect(line.shape == .openAI)
        #expect(line.model == "gpt-4o")
        #expect((line.inputTokens, line.cachedInputTokens, line.outputTokens) == (1200, 400, 300))
        #expect(line.time == 1_748_736_000)
        #expect(try cost(AuditFixtures.openAI) == decimal("0.0055"))
    }

    @Test("Anthropic: cache reads and writes are added to input_tokens, reads are the cached part")
    func anthropic() throws {
        let line = try AuditFixtures.line(AuditFixtures.anthropic)
        #expect(line.shape == .anthropic)
        #expect((line.inputTokens, line.cachedInputTokens, line.outputTokens) == (1300, 1000, 50))
        #expect(try cost(AuditFixtures.anthropic) == decimal("0.00195"))
    }

    @Test("Gemini: thoughts are billed as output, cached content is part of the prompt")
    func gemini() throws {
        let line = try AuditFixtures.line(AuditFixtures.gemini)
        #expect(line.shape == .gemini)
        #expect(line.model == "flash")
        #expect((line.inputTokens, line.cachedInputTokens, line.outputTokens) == (2000, 500, 400))
        #expect(try cost(AuditFixtures.gemini) == decimal("0.0014875"))
    }

    @Test("the seed's {model, usage: {input_tokens, output_tokens}}")
    func seed() throws {
        let line = try AuditFixtures.line(AuditFixtures.seed)
        #expect(line.shape == .seed)
        #expect(line.provider == nil)
        #expect(try cost(AuditFixtures.seed) == decimal("0.000075"))
    }

    @Test("LiteLLM spend log, with its startTime")
    func liteLLM() throws {
        let line = try AuditFixtures.line(AuditFixtures.liteLLM)
        #expect(line.shape == .liteLLM)
        #expect(line.time == Double(1_748_736_000 + 12 * 3600))
        #expect(try cost(AuditFixtures.liteLLM) == decimal("0.00045"))
    }

    @Test("Shepherd ledger export: priced on the target model and provider that answered")
    func shepherd() throws {
        let line = try AuditFixtures.line(AuditFixtures.shepherd)
        #expect(line.shape == .shepherd)
        #expect(line.model == "gpt-4o")
        #expect(line.provider == "openai")
        #expect(line.time == Double(1_748_736_000 + 86_400))
        #expect(try cost(AuditFixtures.shepherd) == decimal("0.001625"))
    }

    @Test("OpenAI batch output wraps the response in response.body")
    func batchWrapper() throws {
        let text = #"{"id":"batch_req_1","custom_id":"r1","response":{"status_code":200,"body":"# + AuditFixtures.openAI + "},\"error\":null}"
        let line = try AuditFixtures.line(text)
        #expect(line.shape == .openAI)
        #expect(line.inputTokens == 1200)
    }

    @Test("a cached count above the prompt is clamped, so no token is counted twice")
    func cachedClamped() throws {
        let line = try AuditFixtures.line(#"{"model":"gpt-4o","usage":{"prompt_tokens":100,"completion_tokens":0,"prompt_tokens_details":{"cached_tokens":500}}}"#)
        #expect(line.cachedInputTokens == 100)
    }

    @Test("escaped strings are decoded")
    func escapes() throws {
        let line = try AuditFixtures.line(#"{"model":"gpt\u002d4o","usage":{"input_tokens":1,"output_tokens":2}}"#)
        #expect(line.model == "gpt-4o")
    }

    @Test("unusable lines say why", arguments: [
        ("not json", SkipReason.notJSON),
        (#"{"model":"gpt-4o","usage":{"prompt_tokens":1,"completion_tokens":2}"#, .notJSON),
        (#"{"a":1} trailing"#, .notJSON),
        ("\u{FF}\u{FE}{}", .notJSON),
        ("[1,2,3]", .notObject),
        ("42", .notObject),
        (#"{"model":"gpt-4o"}"#, .unknownShape),
        (#"{"usage":{"prompt_tokens":1,"completion_tokens":2}}"#, .noModel),
        (#"{"model":"gpt-4o","usage":{"prompt_tokens":-1,"completion_tokens":2}}"#, .badTokens),
        (#"{"model":"gpt-4o","usage":{"prompt_tokens":1.5,"completion_tokens":2}}"#, .badTokens),
        (#"{"model":"gpt-4o","usage":{"prompt_tokens":"many","completion_tokens":2}}"#, .badTokens),
        (#"{"model":"gpt-4o","usage":{"prompt_tokens":99999999999999999999999,"completion_tokens":2}}"#, .badTokens),
    ])
    func skipped(text: String, reason: SkipReason) {
        guard case .failure(let found) = AuditFixtures.parse(text) else {
            Issue.record("'\(text)' was accepted")
            return
        }
        #expect(found == reason)
    }

    @Test("timestamps: ISO with zones and fractions, unix seconds, milliseconds and digit strings")
    func timestamps() {
        let day = 1_748_736_000.0  // 2025-06-01T00:00:00Z
        #expect(LogTime.parse("2025-06-01T00:00:00Z") == day)
        #expect(LogTime.parse("2025-06-01T02:00:00.500+02:00") == day + 0.5)
        #expect(LogTime.parse("2025-05-31 19:00:00-0500") == day)
        #expect(LogTime.parse("2025-06-01") == day)
        #expect(LogTime.parse("1748736000") == day)
        #expect(LogTime.unix(1_748_736_000_000) == day)
        #expect(LogTime.parse("yesterday") == nil)
        #expect(LogTime.parse("2025-13-01T00:00:00Z") == nil)
    }
}
