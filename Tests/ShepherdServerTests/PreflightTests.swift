import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Preflight against context windows")
struct PreflightTests {
    static let yaml = """
        server: { auth: none }
        storage: sqlite://k.db
        providers:
          sim: { kind: mock }
        models:
          small:
            targets: [{ provider: sim, model: tiny, context_window: 50 }]
            context_window_fallback: long
          strict:
            targets: [{ provider: sim, model: tiny, context_window: 50 }]
          mixed:
            targets: [{ provider: sim, model: tiny, context_window: 50, weight: 100 }, { provider: sim, model: roomy, context_window: 100000, weight: 0 }]
          long:
            targets: [{ provider: sim, model: roomy, context_window: 100000 }]
        """

    static let bigText = String(repeating: "lorem ipsum dolor sit amet ", count: 40)

    @Test("a prompt that fits goes through without counting; a large one goes to the context_window_fallback")
    func reroutes() async throws {
        let gateway = try TestGateway(Self.yaml)
        try await gateway.test { client in
            let short = try await client.chat(userMessage("small", "hi"))
            #expect(short.headers[HTTPField.Name("x-shepherd-model")!] == "tiny")
            let long = try await client.chat(userMessage("small", Self.bigText))
            #expect(long.status == .ok)
            #expect(long.headers[HTTPField.Name("x-shepherd-model")!] == "roomy")
            let mixed = try await client.chat(userMessage("mixed", Self.bigText))
            #expect(mixed.headers[HTTPField.Name("x-shepherd-model")!] == "roomy")
        }
    }

    @Test("with nowhere to go it is 400 context_length_exceeded naming the sizes, before any upstream call")
    func refuses() async throws {
        let gateway = try TestGateway(Self.yaml)
        try await gateway.test { client in
            let response = try await client.chat(userMessage("strict", Self.bigText))
            #expect(response.status == .badRequest)
            #expect(response.errorEnvelope?.code == "context_length_exceeded")
            #expect(response.errorEnvelope?.message.contains("(50 tokens)") == true)
            #expect(response.headers[HTTPField.Name("x-shepherd-attempts")!] == nil)
            let withOutput = try await client.chat(userMessage("strict", "hi", extra: #","max_tokens":500"#))
            #expect(withOutput.errorEnvelope?.code == "context_length_exceeded")
        }
    }
}
