import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import ShepherdCore
import ShepherdLedger
import ShepherdTokenizer

/// `shepherd doctor`: checks what `serve` would need before it is started — the config and
/// its environment, storage, the tokenizers, each provider's reachability and credentials,
/// and whether every target has a price and a context window.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check a configuration, its storage and its providers before serving.",
        discussion: """
            Examples:
              shepherd doctor --config shepherd.yaml
              shepherd doctor --config shepherd.yaml --offline     # skip calling the providers
            Exits 1 when any check fails; warnings alone exit 0.
            """)

    @OptionGroup var options: ConfigOption
    @Flag(help: "Do not call the providers.") var offline = false

    enum Outcome: String { case ok = "ok", warning = "warn", failure = "FAIL" }

    func run() async throws {
        var results: [(Outcome, String, String)] = []
        func note(_ outcome: Outcome, _ check: String, _ detail: String) { results.append((outcome, check, detail)) }

        let config: GatewayConfig
        do {
            config = try ConfigLoader.load(path: options.config)
            note(.ok, "config", "\(options.config): \(config.providers.count) providers, \(config.models.count) models")
        } catch {
            note(.failure, "config", "\(error)")
            Self.print(results)
            throw ExitCode(1)
        }
        do {
            let path = try config.sqlitePath()
            _ = try SQLiteKeyStore(path: path)
            _ = try SQLiteLedgerStore(path: path)
            note(.ok, "storage", "sqlite \(path)")
        } catch {
            if case .postgres = config.storage {
                do {
                    let summary = try await LedgerStores.withStore(for: config) { store in
                        try await store.usage(since: Date(), groupBy: [])
                    }
                    note(.ok, "storage", "postgres reachable (\(summary.count) rows today)")
                } catch {
                    note(.failure, "storage", "postgres: \(error)")
                }
            } else {
                note(.failure, "storage", "\(error)")
            }
        }
        for encoding in EncodingName.allCases {
            do {
                _ = try Tokenizer.load(encoding)
                note(.ok, "tokenizer", "\(encoding.rawValue) loaded, hash verified")
            } catch {
                note(.failure, "tokenizer", "\(error)")
            }
        }
        let costs = CostCalculator(prices: config.pricing)
        for model in config.models {
            for target in model.targets {
                let priced = costs.price(for: target.ref) != nil
                let window = target.contextWindow ?? costs.contextWindow(for: target.ref)
                let detail = "\(model.name) → \(target.ref): " + (priced ? "priced" : "no price (its cost counts as 0; add it under pricing:)")
                    + ", " + (window.map { "window \($0) tokens" } ?? "window unknown (no preflight)")
                note(priced ? .ok : .warning, "target", detail)
            }
        }
        if !offline {
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            for provider in config.providers {
                results.append(await Self.probe(provider, client: client))
            }
            try? await client.shutdown()
        }
        Self.print(results)
        if results.contains(where: { $0.0 == .failure }) { throw ExitCode(1) }
    }

    /// Lists the provider's models with its key: proves the URL, the network and the key.
    static func probe(_ provider: ProviderConfig, client: HTTPClient) async -> (Outcome, String, String) {
        let name = "provider"
        var request: HTTPClientRequest
        switch provider.kind {
        case .mock:
            return (.ok, name, "\(provider.name): built-in simulator")
        case .openai:
            request = HTTPClientRequest(url: (provider.baseURL ?? "") + "/models")
            if let key = provider.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key.value)") }
        case .anthropic:
            request = HTTPClientRequest(url: (provider.baseURL ?? "https://api.anthropic.com/v1") + "/models")
            if let key = provider.apiKey { request.headers.add(name: "x-api-key", value: key.value) }
            request.headers.add(name: "anthropic-version", value: "2023-06-01")
        case .gemini:
            request = HTTPClientRequest(url: (provider.baseURL ?? "https://generativelanguage.googleapis.com/v1beta") + "/models")
            if let key = provider.apiKey { request.headers.add(name: "x-goog-api-key", value: key.value) }
        }
        do {
            let response = try await client.execute(request, timeout: .seconds(5))
            _ = try? await response.body.collect(upTo: 4 * 1024 * 1024)
            switch response.status.code {
            case 200..<300: return (.ok, name, "\(provider.name): reachable, key accepted")
            case 401, 403: return (.failure, name, "\(provider.name): reachable, but the key was refused (HTTP \(response.status.code))")
            default: return (.warning, name, "\(provider.name): reachable, /models answered HTTP \(response.status.code)")
            }
        } catch {
            return (.failure, name, "\(provider.name): not reachable (\(type(of: error)))")
        }
    }

    static func print(_ results: [(Outcome, String, String)]) {
        for (outcome, check, detail) in results {
            Swift.print("\(outcome.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0))  \(check.padding(toLength: 9, withPad: " ", startingAt: 0))  \(detail)")
        }
    }
}
