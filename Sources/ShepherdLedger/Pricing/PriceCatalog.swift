import Foundation
import ShepherdCore

/// Model prices shipped with Shepherd (built from a public catalog by
/// `scripts/pricing/build_catalog.py`, see `Resources/SOURCES.md`), with the configuration's
/// `pricing:` entries laid on top.
public struct PriceCatalog: Sendable {
    public private(set) var models: [String: ModelPrice]
    /// Config `pricing:`, keyed `provider/model`; these beat the catalog.
    public private(set) var overrides: [String: PriceOverride]

    public init(models: [String: ModelPrice], overrides: [String: PriceOverride] = [:]) {
        self.models = models
        self.overrides = overrides
    }

    /// The shipped catalog, parsed on first use and then shared. Empty (every model unpriced)
    /// only if the resource is missing or corrupt, which `loadBundled()` reports.
    public static let bundled: PriceCatalog = (try? loadBundled()) ?? PriceCatalog(models: [:])

    public static func loadBundled() throws -> PriceCatalog {
        guard let url = Bundle.module.url(forResource: "catalog", withExtension: "json") else {
            throw GatewayError(.internalError, "the price catalog resource is missing from this build")
        }
        return try PriceCatalog(json: try Data(contentsOf: url))
    }

    /// Parses the catalog format: `{"models": {"name": {"input": "2.5", …}}}`.
    public init(json: Data) throws {
        let file: CatalogFile
        do {
            file = try JSONDecoder().decode(CatalogFile.self, from: json)
        } catch {
            throw GatewayError(.internalError, "the price catalog is not valid: \(error)")
        }
        var models: [String: ModelPrice] = [:]
        models.reserveCapacity(file.models.count)
        for (name, entry) in file.models { models[name] = try entry.price(model: name) }
        self.init(models: models)
    }

    /// The same catalog with config `pricing:` entries on top.
    public func applying(overrides: [String: PriceOverride]) -> PriceCatalog {
        var copy = self
        copy.overrides.merge(overrides) { _, new in new }
        return copy
    }

    /// The price for a target: its `provider/model` override, else the catalog entry its model
    /// name leads to (see ``lookup(model:provider:)``), else nil.
    public func price(for target: TargetRef) -> ResolvedPrice? {
        let found = lookup(model: target.model, provider: target.provider)
        if let override = overrides[target.description] {
            let base = found?.price ?? ModelPrice()
            return ResolvedPrice(price: base.overridden(by: override), source: .override(target.description))
        }
        return found.map { ResolvedPrice(price: $0.price, source: .catalog($0.name)) }
    }

    /// Finds a catalog entry for a model name: `provider/model` first (the catalog keys some
    /// models by API), then the name as given, then without its provider prefixes
    /// (`openai/gpt-4o` → `gpt-4o`), then each of those without a date suffix
    /// (`gpt-4o-2024-08-06` → `gpt-4o`).
    public func lookup(model: String, provider: String? = nil) -> (name: String, price: ModelPrice)? {
        for name in Self.candidates(model: model, provider: provider) {
            if let price = models[name] { return (name, price) }
        }
        return nil
    }

    static func candidates(model: String, provider: String?) -> [String] {
        var names: [String] = []
        if let provider, !provider.isEmpty { names.append("\(provider)/\(model)") }
        names.append(model)
        var rest = Substring(model)
        while let slash = rest.firstIndex(of: "/") {
            rest = rest[rest.index(after: slash)...]
            if !rest.isEmpty { names.append(String(rest)) }
        }
        names += names.compactMap(Self.withoutDateSuffix)
        return names
    }

    /// `name-2024-08-06`, `name-20241022` and `name@20241022` → `name`; nil when there is no such suffix.
    static func withoutDateSuffix(_ name: String) -> String? {
        let characters = Array(name)
        func digits(_ range: Range<Int>) -> Bool {
            range.lowerBound >= 0 && range.allSatisfy { characters[$0].isASCII && characters[$0].isNumber }
        }
        let count = characters.count
        // -YYYY-MM-DD
        if count > 11, characters[count - 11] == "-", characters[count - 6] == "-", characters[count - 3] == "-",
            digits(count - 10..<count - 6), digits(count - 5..<count - 3), digits(count - 2..<count)
        {
            return String(characters[..<(count - 11)])
        }
        // -YYYYMMDD or @YYYYMMDD
        if count > 9, characters[count - 9] == "-" || characters[count - 9] == "@", digits(count - 8..<count),
            characters[count - 8] == "2"
        {
            return String(characters[..<(count - 9)])
        }
        return nil
    }
}

/// The on-disk shape of `catalog.json`.
private struct CatalogFile: Decodable {
    var models: [String: Entry]

    struct Entry: Decodable {
        var input: String?
        var cachedInput: String?
        var output: String?
        var audioInput: String?
        var perImage: String?
        var perAudioSecond: String?
        var perVideoSecond: String?
        var maxInputTokens: Int?
        var maxOutputTokens: Int?
        var provider: String?

        enum CodingKeys: String, CodingKey {
            case input, output, provider
            case cachedInput = "cached_input"
            case audioInput = "audio_input"
            case perImage = "per_image"
            case perAudioSecond = "per_audio_second"
            case perVideoSecond = "per_video_second"
            case maxInputTokens = "max_input_tokens"
            case maxOutputTokens = "max_output_tokens"
        }

        func price(model: String) throws -> ModelPrice {
            func decimal(_ text: String?) throws -> Decimal? {
                guard let text else { return nil }
                guard let value = DecimalText.parse(text) else {
                    throw GatewayError(.internalError, "the price catalog has a bad price '\(text)' for \(model)")
                }
                return value
            }
            return ModelPrice(
                input: try decimal(input), cachedInput: try decimal(cachedInput), output: try decimal(output),
                audioInput: try decimal(audioInput), perImage: try decimal(perImage),
                perAudioSecond: try decimal(perAudioSecond), perVideoSecond: try decimal(perVideoSecond),
                maxInputTokens: maxInputTokens, maxOutputTokens: maxOutputTokens, provider: provider)
        }
    }
}
