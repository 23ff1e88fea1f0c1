import Foundation
import ShepherdCore
import Testing

@testable import ShepherdLedger

/// The snapshot the catalog is built from, when ../shared is beside the repository.
private let sourceJSON: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("../shared/pricing/model_prices_and_context_window.json").standardizedFileURL

@Suite("Price catalog")
struct PriceCatalogTests {
    @Test("the shipped catalog loads, with thousands of models")
    func loads() throws {
        let catalog = try PriceCatalog.loadBundled()
        #expect(catalog.models.count > 3_000)
        #expect(PriceCatalog.bundled.models.count == catalog.models.count)
    }

    @Test("known prices, per million tokens and per unit")
    func knownPrices() throws {
        let catalog = try PriceCatalog.loadBundled()
        let gpt4o = try #require(catalog.models["gpt-4o"])
        #expect(gpt4o.input == decimal("2.5") && gpt4o.cachedInput == decimal("1.25") && gpt4o.output == decimal("10"))
        #expect(gpt4o.maxInputTokens == 128_000 && gpt4o.maxOutputTokens == 16_384 && gpt4o.provider == "openai")
        // The relay prices quoted in ../shared/pricing/SOURCES.md.
        #expect(catalog.models["gemini/gemini-2.5-flash"]?.output == decimal("2.5"))
        #expect(catalog.models["deepseek/deepseek-chat"]?.output == decimal("0.42"))
        #expect(catalog.models["deepseek/deepseek-chat"]?.cachedInput == decimal("0.028"))
        #expect(catalog.models["whisper-1"]?.perAudioSecond == decimal("0.0001"))
        // Found through the provider the config names.
        #expect(catalog.lookup(model: "gemini-2.5-flash", provider: "gemini")?.name == "gemini/gemini-2.5-flash")
    }

    @Test("prices match the source snapshot exactly", .enabled(if: FileManager.default.fileExists(atPath: sourceJSON.path), "../shared/pricing is not beside the repository"))
    func matchesSource() throws {
        let catalog = try PriceCatalog.loadBundled()
        let raw = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: sourceJSON)) as? [String: Any])
        var checked = 0
        for name in ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini/gemini-2.5-flash", "deepseek/deepseek-chat"] {
            let entry = try #require(raw[name] as? [String: Any], "\(name)")
            let price = try #require(catalog.models[name], "\(name)")
            for (field, value) in [("input_cost_per_token", price.input), ("output_cost_per_token", price.output),
                                   ("cache_read_input_token_cost", price.cachedInput)] {
                guard let source = entry[field] as? Double else { continue }
                // Swift's shortest description of the double is the text the file holds.
                let perMillion = decimal("\(source)") * 1_000_000
                #expect(value == perMillion, "\(name) \(field)")
                checked += 1
            }
        }
        #expect(checked >= 12)
    }

    @Test("a corrupt catalog is an error, not a crash")
    func corrupt() {
        #expect(throws: GatewayError.self) { try PriceCatalog(json: Data(#"{"models": {"m": {"input": "abc"}}}"#.utf8)) }
        #expect(throws: GatewayError.self) { try PriceCatalog(json: Data("not json".utf8)) }
    }
}
