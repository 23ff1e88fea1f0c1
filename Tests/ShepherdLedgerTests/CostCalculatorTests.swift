import Foundation
import ShepherdCore
import Testing

@testable import ShepherdLedger

@Suite("Cost arithmetic")
struct CostCalculatorTests {
    /// A small catalog with round numbers, so every expected figure is done by hand.
    let catalog = PriceCatalog(models: [
        "flash": ModelPrice(input: decimal("0.30"), cachedInput: decimal("0.075"), output: decimal("2.50")),
        "vision": ModelPrice(
            input: decimal("1"), output: decimal("4"), audioInput: decimal("10"), perImage: decimal("0.002"),
            perAudioSecond: decimal("0.0001"), perVideoSecond: decimal("0.003")),
        "gpt-4o": ModelPrice(input: decimal("2.5"), cachedInput: decimal("1.25"), output: decimal("10")),
    ])

    @Test("cached tokens are counted once, at the cached price")
    func cachedOnce() {
        let calculator = CostCalculator(prices: [:], catalog: catalog)
        let usage = Usage(promptTokens: 1_000_000, completionTokens: 100_000, cachedTokens: 400_000)
        // 600k × 0.30 + 400k × 0.075 + 100k × 2.50, per million = 0.18 + 0.03 + 0.25
        let quote = calculator.quote(usage, at: TargetRef(provider: "relay", model: "flash"))
        #expect(quote.costUSD == decimal("0.46"))
        #expect(quote.priced)
        #expect(quote.source == .catalog("flash"))
    }

    @Test("cached tokens without a cached price are charged at the input price")
    func cachedWithoutPrice() {
        let calculator = CostCalculator(prices: [:], catalog: catalog)
        let usage = Usage(promptTokens: 2_000, completionTokens: 0, cachedTokens: 1_000)
        // 2,000 × 1 per million
        #expect(calculator.quote(usage, at: TargetRef(provider: "p", model: "vision")).costUSD == decimal("0.002"))
    }

    @Test("images, audio and video seconds are billed per unit; audio tokens at the audio price")
    func multimodal() {
        let calculator = CostCalculator(prices: [:], catalog: catalog)
        var usage = Usage(promptTokens: 10_000, completionTokens: 1_000)
        usage.promptTokensDetails = Usage.PromptDetails(cachedTokens: nil, audioTokens: 2_000)
        let media = MediaUnits(images: 3, audioSeconds: decimal("12.5"), videoSeconds: 10)
        // text 8,000 × 1 + audio 2,000 × 10 + output 1,000 × 4 = 32,000 per million = 0.032
        // images 3 × 0.002 + audio 12.5 s × 0.0001 + video 10 s × 0.003 = 0.006 + 0.00125 + 0.03
        let quote = calculator.quote(usage, media: media, at: TargetRef(provider: "p", model: "vision"))
        #expect(quote.costUSD == decimal("0.06925"))
        #expect(quote.priced)
    }

    @Test("images on a model with no image price: tokens still billed, the row flagged unpriced")
    func missingUnitPrice() {
        let calculator = CostCalculator(prices: [:], catalog: catalog)
        let quote = calculator.quote(
            Usage(promptTokens: 1_000_000, completionTokens: 0), media: MediaUnits(images: 2),
            at: TargetRef(provider: "p", model: "flash"))
        #expect(quote.costUSD == decimal("0.3"))
        #expect(!quote.priced)
        #expect(quote.unpricedReason?.contains("images") == true)
    }

    @Test("a config override beats the catalog, and keeps the catalog's unit prices")
    func overrideWins() {
        let calculator = CostCalculator(
            prices: ["relay/vision": PriceOverride(input: decimal("0.5"), output: decimal("1"))], catalog: catalog)
        let usage = Usage(promptTokens: 1_000_000, completionTokens: 1_000_000)
        let quote = calculator.quote(usage, media: MediaUnits(images: 1), at: TargetRef(provider: "relay", model: "vision"))
        // 0.5 + 1 + one image at 0.002
        #expect(quote.costUSD == decimal("1.502"))
        #expect(quote.source == .override("relay/vision"))
        // The same model through another provider has no override: catalog price.
        #expect(calculator.cost(of: usage, at: TargetRef(provider: "other", model: "vision")) == decimal("5"))
    }

    @Test("date-suffixed and provider-prefixed names find their catalog entry")
    func nameForms() {
        let calculator = CostCalculator(prices: [:], catalog: catalog)
        let usage = Usage(promptTokens: 1_000, completionTokens: 1_000)
        // 1,000 × 2.5 + 1,000 × 10 per million
        for model in ["gpt-4o-2024-08-06", "openai/gpt-4o", "openai/gpt-4o-2024-11-20", "gpt-4o"] {
            #expect(calculator.cost(of: usage, at: TargetRef(provider: "x", model: model)) == decimal("0.0125"), "\(model)")
        }
        #expect(PriceCatalog.withoutDateSuffix("claude-3-5-sonnet-20241022") == "claude-3-5-sonnet")
        #expect(PriceCatalog.withoutDateSuffix("claude-3-5-sonnet@20241022") == "claude-3-5-sonnet")
        #expect(PriceCatalog.withoutDateSuffix("gpt-4o") == nil)
        #expect(PriceCatalog.withoutDateSuffix("model-12345678") == nil)
    }

    @Test("an unknown model gives a zero-cost quote flagged unpriced, not a failure")
    func unknownModel() {
        let calculator = CostCalculator(prices: [:], catalog: catalog)
        let quote = calculator.quote(Usage(promptTokens: 500, completionTokens: 50), at: TargetRef(provider: "p", model: "mystery-1"))
        #expect(quote.costUSD == 0)
        #expect(!quote.priced)
        #expect(quote.source == nil)
        #expect(quote.unpricedReason?.contains("p/mystery-1") == true)
        #expect(calculator.cost(of: Usage(promptTokens: 1, completionTokens: 1), at: TargetRef(provider: "p", model: "mystery-1")) == nil)
        var row = record("r1")
        row.apply(quote)
        #expect(row.costUSD == 0 && !row.priced)
    }

    @Test("the default calculator prices real models from the shipped catalog")
    func bundledDefault() {
        let calculator = CostCalculator(prices: [:])
        let usage = Usage(promptTokens: 1_000_000, completionTokens: 1_000_000, cachedTokens: 1_000_000)
        // gpt-4o: all input cached at 1.25, output 10
        #expect(calculator.cost(of: usage, at: TargetRef(provider: "openai", model: "gpt-4o-2024-08-06")) == decimal("11.25"))
        #expect(calculator.price(for: TargetRef(provider: "openai", model: "gpt-4o"))?.output == decimal("10"))
    }
}

@Suite("Budget estimates")
struct EstimateTests {
    @Test("the reservation estimate is all input uncached plus the output cap")
    func estimate() {
        let calculator = CostCalculator(
            prices: ["p/m": PriceOverride(input: decimal("1"), cachedInput: decimal("0.1"), output: decimal("4"))],
            catalog: PriceCatalog(models: [:]))
        // 1,000 × 1 + 500 × 4 per million
        #expect(calculator.estimate(inputTokens: 1_000, maxOutputTokens: 500, at: TargetRef(provider: "p", model: "m")) == decimal("0.003"))
        #expect(calculator.estimate(inputTokens: 1_000, maxOutputTokens: nil, at: TargetRef(provider: "p", model: "unknown")) == 0)
    }
}

@Suite("Dividing by a million")
struct MillionthsTests {
    @Test("moving the exponent gives exactly what Decimal's division gives", arguments: [
        "0", "1", "-1", "2.5", "1250000", "0.000001", "123456789.123456789", "-0.3", "99999999999999999999",
    ])
    func matchesDivision(_ text: String) {
        let value = decimal(text)
        #expect(CostCalculator.millionths(value) == value / 1_000_000)
    }

    @Test("tiny values stay exact, where Decimal's own division gives up")
    func tiny() {
        #expect(CostCalculator.millionths(decimal("1e-100")) == decimal("1e-106"))
        #expect(CostCalculator.millionths(decimal("-7e-20")) == decimal("-7e-26"))
    }

    @Test("the cost header's text: values of ten places or fewer skip the rounding and read the same")
    func costTextWithoutRounding() {
        for text in ["0", "1", "0.1", "-2.5", "12.3400", "0.0000000001", "100000000000000000000", "0.46", "0.000118"] {
            let value = decimal(text)
            #expect(CostCalculator.format(value) == CostCalculator.roundedText(value), "\(text)")
        }
        // A fixed sequence of mantissas up to 2^64 and exponents from -10 to 12, both signs.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for index in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let mantissa = state >> (state % 64)
            let value = Decimal(sign: index % 2 == 0 ? .plus : .minus, exponent: Int(state % 23) - 10, significand: Decimal(mantissa))
            #expect(CostCalculator.format(value) == CostCalculator.roundedText(value), "\(value)")
        }
        // More than ten places still round.
        #expect(CostCalculator.format(decimal("0.00000000005")) == "0.0000000001")
    }
}
