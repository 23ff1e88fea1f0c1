import Foundation
import Testing

@testable import ShepherdCore

@Suite("Configuration")
struct ConfigTests {
    static let full = """
        server:
          host: 127.0.0.1
          port: 8080
          auth: keys
          admin_key: env:SHEPHERD_ADMIN_KEY
          max_body_mb: 64
        storage: sqlite://shepherd.db
        providers:
          legacy:    { kind: openai,    base_url: https://api.openai.com/v1, api_key: env:OPENAI_API_KEY, timeout_s: 120, rpm: 500, tpm: 2000000 }
          relay:     { kind: openai,    base_url: https://relay.example/v1,   api_key: env:RELAY_API_KEY }
          google:    { kind: gemini,    api_key: env:GEMINI_API_KEY }
          anthropic: { kind: anthropic, api_key: env:ANTHROPIC_API_KEY }
          sim:       { kind: mock, latency_ms: 20, fail_rate: 0.0, fail_status: 500 }
        models:
          chat:
            targets:
              - { provider: legacy, model: gpt-4o,           weight: 90 }
              - { provider: relay,  model: gemini-2.5-flash, weight: 10 }
            sticky: user
            fallbacks: [chat-backup]
            retry: { attempts: 3, base_ms: 200, max_ms: 10000 }
            breaker: { window: 20, min_requests: 10, failure_rate: 0.5, open_s: 30, half_open_probes: 3 }
            context_window_fallback: chat-long
            rollout:
              from: legacy/gpt-4o
              to: relay/gemini-2.5-flash
              steps: [1, 5, 25, 50, 100]
              hold: { requests: 500, minutes: 10 }
              gates: { max_error_rate: 0.02, max_p99_ms: 4000, max_cost_ratio: 1.0 }
              on_gate_failure: rollback
            shadow: { to: relay/gemini-2.5-flash, percent: 10 }
          chat-backup:
            targets: [{ provider: sim, model: backup }]
          chat-long:
            targets: [{ provider: google, model: gemini-2.5-pro }]
        pricing:
          relay/gemini-2.5-flash: { input: 0.30, cached_input: 0.075, output: 2.50 }
          relay/deepseek-v3.2:    { input: 0.28, output: 0.42 }
        """

    static let env = [
        "SHEPHERD_ADMIN_KEY": "admin-secret", "OPENAI_API_KEY": "sk-openai", "RELAY_API_KEY": "sk-relay",
        "GEMINI_API_KEY": "AIza-gem", "ANTHROPIC_API_KEY": "sk-ant",
    ]

    func configError(_ yaml: String, env: [String: String] = ConfigTests.env) -> ConfigError? {
        do {
            _ = try ConfigLoader.parse(yaml, file: "test.yaml", environment: env)
            return nil
        } catch {
            return error
        }
    }

    @Test("the SPEC's example configuration loads whole")
    func specExample() throws {
        let config = try ConfigLoader.parse(Self.full, file: "test.yaml", environment: Self.env)
        #expect(config.providers.map(\.name) == ["legacy", "relay", "google", "anthropic", "sim"])
        #expect(config.provider(named: "legacy")?.apiKey?.value == "sk-openai")
        #expect(config.provider(named: "legacy")?.rpm == 500)
        #expect(config.server.adminKey?.value == "admin-secret")
        let chat = try #require(config.model(named: "chat"))
        #expect(chat.targets.map(\.weight) == [90, 10])
        #expect(chat.sticky == .user)
        #expect(chat.retry.attempts == 3)
        #expect(chat.breaker.halfOpenProbes == 3)
        #expect(chat.rollout?.to == TargetRef(provider: "relay", model: "gemini-2.5-flash"))
        #expect(chat.rollout?.maxP99Ms == 4000)
        #expect(chat.shadow?.percent == 10)
        #expect(config.pricing["relay/gemini-2.5-flash"]?.cachedInput == Decimal(string: "0.075"))
        #expect(config.server.maxBodyBytes == 64 * 1024 * 1024)
    }

    @Test("secrets never print")
    func secretsRedacted() throws {
        let config = try ConfigLoader.parse(Self.full, file: "test.yaml", environment: Self.env)
        let dump = "\(config) \(String(reflecting: config))"
        for secret in Self.env.values { #expect(!dump.contains(secret)) }
    }

    @Test("errors name file, line and key", arguments: [
        ("providers:\n  a: { kind: mock }\nmodels:\n  m:\n    targets: [{ provider: b, model: x }]\n", 5, "models.m.targets[0]", "unknown provider 'b'"),
        ("providers:\n  a: { kind: carrier-pigeon }\nmodels:\n  m: { targets: [{ provider: a, model: x }] }\n", 2, "providers.a.kind", "valid: openai, anthropic, gemini, mock"),
        ("providers:\n  a: { kind: mock }\nmodels:\n  m:\n    targets: [{ provider: a, model: x }]\n    colour: blue\n", 6, "models.m.colour", "unknown key 'colour'"),
        ("providers:\n  a: { kind: openai, base_url: https://x/v1, api_key: env:NOPE_KEY }\nmodels:\n  m: { targets: [{ provider: a, model: x }] }\n", 2, "providers.a.api_key", "NOPE_KEY is not set"),
        ("server:\n  host: 0.0.0.0\n  auth: none\nproviders:\n  a: { kind: mock }\nmodels:\n  m: { targets: [{ provider: a, model: x }] }\n", 1, "server", "non-loopback"),
        ("storage: mysql://x\nproviders:\n  a: { kind: mock }\nmodels:\n  m: { targets: [{ provider: a, model: x }] }\n", 1, "storage", "sqlite://FILE"),
        ("storage: none\nproviders:\n  a: { kind: mock }\nmodels:\n  m: { targets: [{ provider: a, model: x }] }\n", 1, "storage", "keeps no keys"),
        ("providers:\n  a: { kind: mock }\nmodels:\n  m:\n    targets: [{ provider: a, model: x, weight: -1 }]\n", 5, "models.m.targets[0].weight", "out of range"),
        ("providers:\n  a: { kind: mock }\nmodels:\n  m:\n    targets: [{ provider: a, model: x }]\n    fallbacks: [ghost]\n", 6, "models.m.fallbacks", "'ghost' is not another public model"),
        ("providers:\n  a: { kind: mock }\nmodels:\n  m:\n    targets: [{ provider: a, model: x }]\n    rollout: { from: a/x, to: a/y, steps: [50, 10] }\n", 6, "models.m.rollout.steps", "increasing"),
        ("providers:\n  a: { kind: openai }\nmodels:\n  m: { targets: [{ provider: a, model: x }] }\n", 2, "providers.a", "needs 'base_url'"),
        ("providers:\n  a: { kind: openai, base_url: https://x/v1, latency_ms: 5 }\nmodels:\n  m: { targets: [{ provider: a, model: x }] }\n", 2, "providers.a.latency_ms", "kind: mock only"),
        ("providers:\n  a: { kind: mock }\n", 1, "", "'models' is missing"),
        ("providers: [\n", 2, "", "invalid YAML"),
    ])
    func located(_ yaml: String, _ line: Int, _ keyPath: String, _ fragment: String) throws {
        let error = try #require(configError(yaml))
        #expect(error.file == "test.yaml")
        #expect(error.line == line, "\(error)")
        #expect(error.keyPath == keyPath, "\(error)")
        #expect(error.description.contains(fragment), "\(error)")
        #expect(error.description.hasPrefix("test.yaml:\(line): "))
    }

    @Test("a .env beside the config is read; the process environment wins")
    func dotEnv() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shepherd-dotenv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "# comment\nexport RELAY_KEY=\"from-dotenv\"\nOTHER='x'\n".write(to: folder.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        let configPath = folder.appendingPathComponent("shepherd.yaml").path
        try "providers:\n  r: { kind: openai, base_url: https://r/v1, api_key: env:RELAY_KEY }\nmodels:\n  m: { targets: [{ provider: r, model: x }] }\n"
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let fromFile = try ConfigLoader.load(path: configPath, environment: DotEnv.environment(besideConfig: configPath, process: [:]))
        #expect(fromFile.provider(named: "r")?.apiKey?.value == "from-dotenv")
        let fromProcess = try ConfigLoader.load(path: configPath, environment: DotEnv.environment(besideConfig: configPath, process: ["RELAY_KEY": "real"]))
        #expect(fromProcess.provider(named: "r")?.apiKey?.value == "real")
    }

    @Test("storage: none runs without a ledger, with auth: none")
    func storageNone() throws {
        let config = try ConfigLoader.parse(
            "server: { auth: none }\nstorage: none\nproviders:\n  a: { kind: mock }\nmodels:\n  m: { targets: [{ provider: a, model: x }] }\n",
            file: "test.yaml", environment: [:])
        #expect(config.storage == .disabled)
    }

    @Test("a missing file is a one-line error naming it")
    func missingFile() {
        #expect {
            try ConfigLoader.load(path: "/nonexistent/shepherd.yaml")
        } throws: { error in
            "\(error)".hasPrefix("/nonexistent/shepherd.yaml: cannot read")
        }
    }

    @Test("the demo configuration in examples/ loads")
    func demo() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/demo.yaml").standardized.path
        let config = try ConfigLoader.load(path: path, environment: [:])
        #expect(config.server.auth == .none)
        #expect(config.providers.allSatisfy { $0.kind == .mock })
    }
}
