import Foundation
import Hummingbird
import HummingbirdTesting
import ShepherdCore
import ShepherdLedger
import ShepherdServer
import Testing

@testable import Shepherd

/// `ShepherdClient` against the real gateway (`GatewayApplication`) on a free loopback port.
@Suite("ShepherdClient against the gateway")
struct ShepherdGatewayClientTests {
    /// Starts a gateway from `yaml` on 127.0.0.1 for the duration of `body`.
    static func withGateway(
        _ yaml: String, _ body: @escaping @Sendable (Int, GatewayApplication, SQLiteKeyStore) async throws -> Void
    ) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shepherd-sdk-gw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = try ConfigLoader.parse(yaml, file: folder.appendingPathComponent("shepherd.yaml").path)
        config.sourceFile = folder.appendingPathComponent("shepherd.yaml").path
        let store = try SQLiteKeyStore(path: try config.sqlitePath())
        let gateway = try GatewayApplication(config: config, keyStore: store, rolloutInterval: .seconds(3600))
        try await gateway.makeApplication(port: 0, host: "127.0.0.1").test(.live) { client in
            try await body(try #require(client.port), gateway, store)
        }
    }

    static let yaml = """
        server: { auth: none }
        storage: sqlite://g.db
        providers:
          mock: { kind: mock }
          down: { kind: mock, fail_rate: 1.0, fail_status: 500 }
          limited: { kind: mock, fail_rate: 1.0, fail_status: 429, retry_after_s: 3 }
          stuck: { kind: mock, hang: true, timeout_s: 0.2 }
        models:
          chat:
            targets: [{ provider: mock, model: gpt-4o-mini }]
          broken:
            targets: [{ provider: down, model: m }]
          busy:
            targets: [{ provider: limited, model: m }]
          frozen:
            targets: [{ provider: stuck, model: m }]
            retry: { deadline_s: 0.3 }
          tiny:
            targets: [{ provider: mock, model: m, context_window: 50 }]
        """

    @Test("plain, streaming, multimodal and tools through the gateway, with its headers")
    func happyPaths() async throws {
        try await Self.withGateway(Self.yaml) { port, _, _ in
            let client = try sdkClient(port, key: nil)
            let response = try await client.respond(ChatCompletionRequest(model: "chat", messages: [.user("Hello gateway")]))
            #expect(response.completion.text?.isEmpty == false)
            #expect(response.provider == "mock")
            #expect(response.targetModel == "gpt-4o-mini")
            #expect(response.attempts == 1)
            #expect(response.requestID != nil)

            let streamed = try await client.stream(model: "chat", messages: [.user("Stream please")]).text()
            #expect(!streamed.isEmpty)

            let image = try await client.complete(
                model: "chat", messages: [.user([.text("Describe"), .image(data: Data([0x89, 0x50, 0x4E, 0x47]), mimeType: "image/png")])])
            #expect(image.text?.isEmpty == false)

            let tool = try await client.complete(
                model: "chat", messages: [.user("Weather?")],
                tools: [.function(name: "get_weather", parameters: .object(["type": .string("object")]))])
            #expect(tool.toolCalls.first?.function.name == "get_weather")
        }
    }

    @Test("the gateway's errors arrive typed")
    func typedErrors() async throws {
        try await Self.withGateway(Self.yaml) { port, _, _ in
            let client = try sdkClient(port, key: nil)
            func kind(_ model: String, _ text: String = "hi", maxTokens: Int? = nil) async -> ShepherdError.Kind? {
                do {
                    _ = try await client.complete(model: model, messages: [.user(text)], maxTokens: maxTokens)
                    return nil
                } catch {
                    return (error as? ShepherdError)?.kind
                }
            }
            #expect(await kind("nope") == .modelNotFound)
            #expect(await kind("broken") == .upstreamError)
            #expect(await kind("busy") == .rateLimited(retryAfter: .seconds(3)))
            #expect(await kind("frozen") == .upstreamTimeout)
            let long = String(repeating: "word ", count: 200)
            guard case .contextLengthExceeded(let limit, let requested)? = await kind("tiny", long, maxTokens: 10) else {
                Issue.record("no context_length_exceeded")
                return
            }
            #expect(limit == 50)
            #expect((requested ?? 0) > 50)
            await #expect {
                _ = try await client.complete(ChatCompletionRequest(model: "chat", messages: []))
            } throws: { ($0 as? ShepherdError)?.kind == .invalidRequest(param: "messages") }
        }
    }

    @Test("a gateway with keys: authentication, permission, key rate limit, budget, body size, open breakers")
    func keyedErrors() async throws {
        let yaml = Self.yaml.replacingOccurrences(of: "auth: none", with: "auth: keys, max_body_mb: 1") + """

              flaky:
                targets: [{ provider: down, model: flaky-m }]
                breaker: { window: 2, min_requests: 2, failure_rate: 0.5, open_s: 60 }
            pricing:
              mock/gpt-4o-mini: { input: 1000, output: 1000 }
            """
        try await Self.withGateway(yaml) { port, _, store in
            func kind(_ key: String?, _ model: String, _ text: String = "hi") async -> ShepherdError.Kind? {
                do {
                    _ = try await sdkClient(port, key: key).complete(model: model, messages: [.user(text)])
                    return nil
                } catch {
                    return (error as? ShepherdError)?.kind
                }
            }
            let chatOnly = try await store.create(name: "chat-only", models: ["chat"], budgetUSD: nil, rpm: nil, tpm: nil).secret
            #expect(await kind(chatOnly, "broken") == .permissionDenied)
            let slow = try await store.create(name: "slow", models: nil, budgetUSD: nil, rpm: 1, tpm: nil).secret
            #expect(await kind(slow, "chat") == nil)
            guard case .rateLimited(let retryAfter)? = await kind(slow, "chat") else {
                Issue.record("no rate limit")
                return
            }
            #expect((retryAfter ?? .zero) > .zero)
            let poor = try await store.create(name: "poor", models: nil, budgetUSD: Decimal(string: "0.000001"), rpm: nil, tpm: nil).secret
            #expect(await kind(poor, "chat") == .budgetExceeded)
            let open = try await store.create(name: "open", models: nil, budgetUSD: nil, rpm: nil, tpm: nil).secret
            #expect(await kind(open, "chat", String(repeating: "x", count: 1_200_000)) == .requestTooLarge)
            #expect(await kind(open, "flaky") == .upstreamError)
            #expect(await kind(open, "flaky") == .upstreamError)
            #expect(await kind(open, "flaky") == .noHealthyUpstream(retryAfter: .seconds(1)))
        }
    }

    @Test("a gateway with keys refuses a client without one")
    func authentication() async throws {
        try await Self.withGateway(Self.yaml.replacingOccurrences(of: "auth: none", with: "auth: keys")) { port, _, _ in
            await #expect {
                _ = try await sdkClient(port, key: nil).complete(model: "chat", messages: [.user("hi")])
            } throws: { ($0 as? ShepherdError)?.kind == .authentication }
            await #expect {
                _ = try await sdkClient(port, key: "sk-unknown").complete(model: "chat", messages: [.user("hi")])
            } throws: { ($0 as? ShepherdError)?.kind == .authentication }
        }
    }
}
