import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ShepherdLedger
import Testing

@Suite("Dialects and native providers end to end, into the ledger")
struct DialectNativeUpstreamTests {
    static func yaml(port: Int) -> String {
        """
        server: { auth: keys }
        storage: sqlite://native.db
        providers:
          google: { kind: gemini,    base_url: http://127.0.0.1:\(port)/v1beta, api_key: env:GEMINI_KEY, timeout_s: 5 }
          claude: { kind: anthropic, base_url: http://127.0.0.1:\(port)/v1,     api_key: env:ANTHROPIC_KEY, timeout_s: 5 }
          slow:   { kind: openai,    base_url: http://127.0.0.1:\(port)/lingering, api_key: env:GEMINI_KEY, timeout_s: 5 }
        models:
          via-gemini: { targets: [{ provider: google, model: gemini-2.5-flash }] }
          via-claude: { targets: [{ provider: claude, model: claude-sonnet-4 }] }
          lingering:  { targets: [{ provider: slow, model: m }] }
        pricing:
          google/gemini-2.5-flash: { input: 1000, output: 1000 }
          claude/claude-sonnet-4:  { input: 1000, output: 2000 }
          slow/m:                  { input: 1000, output: 1000 }
        """
    }

    @Test("each dialect served by the other's native API, stream and not; usage and exact cost in the ledger")
    func crossDialects() async throws {
        let upstream = FakeNativeAPI()
        try await upstream.run { port in
            let gateway = try TestGateway(
                Self.yaml(port: port), environment: ["GEMINI_KEY": FakeNativeAPI.geminiKey, "ANTHROPIC_KEY": FakeNativeAPI.anthropicKey])
            let key = try await gateway.store.create(name: "n", models: nil, budgetUSD: nil, rpm: nil, tpm: nil).secret
            try await gateway.test { client in
                // Anthropic's dialect answered by Gemini.
                let messages = try await client.messages(
                    #"{"model":"via-gemini","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}"#, key: key)
                #expect(messages.status == .ok)
                #expect((messages.json?["content"] as? [[String: Any]])?.first?["text"] as? String == "native gemini says hi")
                #expect((messages.json?["usage"] as? [String: Any])?["input_tokens"] as? Int == FakeNativeAPI.geminiUsage.prompt)
                // 100 input and 20 output tokens at 1000 USD per million.
                #expect(messages.headers[HTTPField.Name("x-shepherd-cost-usd")!] == "0.12")
                let messagesStream = try await client.messages(
                    #"{"model":"via-gemini","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#, key: key)
                let text = messagesStream.sseEvents.compactMap { ($0.json["delta"] as? [String: Any])?["text"] as? String }
                #expect(text.joined() == "native gemini says hi")
                #expect(messagesStream.sseEvents.last?.event == "message_stop")

                // Gemini's dialect answered by Anthropic.
                let hello = #"{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}"#
                let generated = try await client.gemini("/v1beta/models/via-claude:generateContent", hello, key: key)
                #expect(generated.status == .ok)
                let usage = generated.json?["usageMetadata"] as? [String: Any]
                #expect(usage?["promptTokenCount"] as? Int == FakeNativeAPI.anthropicUsage.input)
                #expect(usage?["candidatesTokenCount"] as? Int == FakeNativeAPI.anthropicUsage.output)
                let streamed = try await client.gemini("/v1beta/models/via-claude:streamGenerateContent?alt=sse", hello, key: key)
                #expect(streamed.status == .ok)
                #expect((streamed.sseEvents.last?.json["usageMetadata"] as? [String: Any])?["totalTokenCount"] as? Int == 240)

                // And the OpenAI route on a native provider, for comparison.
                let chat = try await client.chat(userMessage("via-claude", "hi"), key: key)
                #expect(chat.status == .ok)
                try await Self.checkUpstreamsAndLedger(upstream, gateway: gateway, gatewayKey: key)
            }
        }
    }

    @Test("a dialect stream whose upstream lingers after [DONE] still lands in the ledger before the response ends")
    func lingeringUpstream() async throws {
        let upstream = FakeNativeAPI()
        try await upstream.run { port in
            let gateway = try TestGateway(
                Self.yaml(port: port), environment: ["GEMINI_KEY": FakeNativeAPI.geminiKey, "ANTHROPIC_KEY": FakeNativeAPI.anthropicKey])
            let key = try await gateway.store.create(name: "n", models: nil, budgetUSD: nil, rpm: nil, tpm: nil).secret
            try await gateway.test { client in
                let messages = try await client.messages(
                    #"{"model":"lingering","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#, key: key)
                #expect(messages.sseEvents.last?.event == "message_stop")
                let gemini = try await client.gemini(
                    "/v1beta/models/lingering:streamGenerateContent?alt=sse", #"{"contents":[{"parts":[{"text":"hi"}]}]}"#, key: key)
                #expect(gemini.status == .ok)
                let rows = try await gateway.gateway.ledger.usage(since: nil, groupBy: [.model])
                let row = try #require(rows.first { $0.group == ["lingering"] })
                #expect(row.requests == 2 && row.inputTokens == 60 && row.outputTokens == 6)
                #expect(row.costUSD == Decimal(string: "0.066"))
            }
        }
    }

    /// Checked while the gateway runs: its folder (and ledger) is removed when it stops.
    static func checkUpstreamsAndLedger(_ upstream: FakeNativeAPI, gateway: TestGateway, gatewayKey key: String) async throws {
        let requests = await upstream.recorder.requests
        #expect(requests.count == 5)
        for request in requests {
            // The gateway key never travels upstream; each upstream gets its own key.
            #expect(!request.headers.contains { $0.value.contains(key) })
            let own = request.path.hasPrefix("/v1beta") ? FakeNativeAPI.geminiKey : FakeNativeAPI.anthropicKey
            #expect(request.headers.contains { $0.value == own })
        }
        let rows = try await gateway.gateway.ledger.usage(since: nil, groupBy: [.model])
        let gemini = try #require(rows.first { $0.group == ["via-gemini"] })
        #expect(gemini.requests == 2)
        #expect(gemini.inputTokens == 2 * FakeNativeAPI.geminiUsage.prompt)
        #expect(gemini.outputTokens == 2 * FakeNativeAPI.geminiUsage.output)
        #expect(gemini.costUSD == Decimal(string: "0.24"))
        let claude = try #require(rows.first { $0.group == ["via-claude"] })
        #expect(claude.requests == 3)
        #expect(claude.inputTokens == 3 * FakeNativeAPI.anthropicUsage.input)
        #expect(claude.outputTokens == 3 * FakeNativeAPI.anthropicUsage.output)
        // 600 input at 1000 and 120 output at 2000 USD per million.
        #expect(claude.costUSD == Decimal(string: "0.84"))
        #expect(gemini.unpricedRequests == 0 && claude.unpricedRequests == 0)
    }
}
