import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Gateway against a live OpenAI-compatible upstream")
struct LiveUpstreamTests {
    static func yaml(port: Int) -> String {
        """
        server: { auth: none }
        storage: sqlite://k.db
        providers:
          up:     { kind: openai, base_url: http://127.0.0.1:\(port)/v1, api_key: env:UP_KEY, timeout_s: 5 }
          backup: { kind: mock, reply: from the backup }
        models:
          chat:     { targets: [{ provider: up, model: gpt-4o }] }
          streamy:  { targets: [{ provider: up, model: stream }] }
          cutty:    { targets: [{ provider: up, model: cut }] }
          failing:  { targets: [{ provider: up, model: fail500 }, { provider: backup, model: b, weight: 0 }] }
          rejected: { targets: [{ provider: up, model: bad400 }, { provider: backup, model: b, weight: 0 }] }
          badauth:  { targets: [{ provider: up, model: auth401 }] }
          limited:  { targets: [{ provider: up, model: rate429 }] }
        pricing:
          up/gpt-4o: { input: 2.50, cached_input: 1.25, output: 10.00 }
        """
    }

    func withGateway(_ body: @escaping @Sendable (any TestClientProtocol, FakeUpstream.Recorder) async throws -> Void) async throws {
        try await Self.withGateway { client, recorder, _ in try await body(client, recorder) }
    }

    /// The gateway of ``yaml(port:)`` in front of a ``FakeUpstream``, serving on loopback.
    static func withGateway(
        _ body: @escaping @Sendable (any TestClientProtocol, FakeUpstream.Recorder, TestGateway) async throws -> Void
    ) async throws {
        let upstream = FakeUpstream()
        try await upstream.run { port in
            let gateway = try TestGateway(Self.yaml(port: port), environment: ["UP_KEY": FakeUpstream.key])
            try await gateway.test(.live) { client in try await body(client, upstream.recorder, gateway) }
        }
    }

    @Test("the client's bytes reach the upstream untouched but for model, with the upstream key")
    func passthrough() async throws {
        try await withGateway { client, recorder in
            let sent = #"{"model":"chat","temperature":0.70,"messages":[{"role":"user","content":"hi"}],"x_custom":{"b":2,"a":[1.0e2]}}"#
            let response = try await client.chat(sent, headers: [.authorization: "Bearer client-key-not-forwarded"])
            #expect(response.status == .ok)
            let received = try #require(await recorder.last)
            #expect(String(decoding: received.body, as: UTF8.self) == sent.replacingOccurrences(of: #""model":"chat""#, with: #""model":"gpt-4o""#))
            #expect(received.headers[.authorization] == "Bearer \(FakeUpstream.key)")
            // The upstream's answer, including fields Shepherd does not know, comes back as sent.
            #expect(response.text.contains(#""vendor_extra":{"keep":1.10}"#))
            // 600 uncached at 2.50, 400 cached at 1.25, 200 output at 10.00, per million.
            #expect(response.headers[HTTPField.Name("x-shepherd-cost-usd")!] == "0.004")
        }
    }

    @Test("a stream is relayed chunk by chunk and ends with [DONE]")
    func stream() async throws {
        try await withGateway { client, _ in
            let response = try await client.chat(userMessage("streamy", "hi", extra: #","stream":true"#))
            #expect(response.status == .ok)
            #expect(response.text.contains("alpha ") && response.text.contains("gamma"))
            #expect(response.text.hasSuffix("data: [DONE]\n\n"))
            #expect(!response.text.contains("event: error"))
        }
    }

    @Test("a stream cut before [DONE] ends with an SSE error event, never silently")
    func cutStream() async throws {
        try await withGateway { client, _ in
            let response = try await client.chat(userMessage("cutty", "hi", extra: #","stream":true"#))
            #expect(response.text.contains("gamma"))
            #expect(response.text.contains("event: error\ndata: {\"error\""))
            #expect(response.text.hasSuffix("data: [DONE]\n\n"))
        }
    }

    @Test("an upstream 500 falls back to the next target")
    func fallbackOn500() async throws {
        try await withGateway { client, _ in
            let response = try await client.chat(userMessage("failing", "hi"))
            #expect(response.status == .ok)
            #expect(response.text.contains("from the backup"))
            #expect(response.headers[HTTPField.Name("x-shepherd-attempts")!] == "2")
        }
    }

    @Test("an upstream 400 is the client's 400, not retried, and never shows a key")
    func upstream400() async throws {
        try await withGateway { client, recorder in
            let response = try await client.chat(userMessage("rejected", "hi"))
            #expect(response.status == .badRequest)
            #expect(await recorder.requests.count == 1)
            #expect(!response.text.contains(FakeUpstream.key))
            #expect(!response.text.contains("sk-abc123"))
            #expect(response.text.contains("[redacted]"))
        }
    }

    @Test("upstream credential failures are 502 and never echo the key")
    func upstream401() async throws {
        try await withGateway { client, _ in
            let response = try await client.chat(userMessage("badauth", "hi"))
            #expect(response.status == .badGateway)
            #expect(response.errorEnvelope?.message.contains("HTTP 401") == true)
            #expect(!response.text.contains(FakeUpstream.key))
        }
    }

    @Test("an upstream 429 stays a 429 and its Retry-After reaches the client")
    func upstream429() async throws {
        try await withGateway { client, _ in
            let response = try await client.chat(userMessage("limited", "hi"))
            #expect(response.status == .tooManyRequests)
            #expect(response.errorEnvelope?.code == "rate_limit_exceeded")
            #expect(response.headers[.retryAfter] == "7")
        }
    }
}

@Suite("Stream usage")
struct StreamUsageTests {
    @Test("a stream asks the upstream for usage and hides that chunk from a client that did not ask")
    func includeUsageInjected() async throws {
        try await LiveUpstreamTests.withGateway { client, recorder, _ in
            _ = try await client.chat(userMessage("streamy", "hi", extra: #","stream":true"#))
            let sent = String(decoding: try #require(await recorder.last).body, as: UTF8.self)
            #expect(sent.contains(#""stream_options":{"include_usage":true}"#))
        }
    }

    @Test("a stream whose upstream reports no usage has its output counted from its text in the ledger")
    func streamWithoutUsage() async throws {
        try await LiveUpstreamTests.withGateway { client, _, gateway in
            let response = try await client.chat(userMessage("streamy", "hi", extra: #","stream":true"#))
            #expect(response.text.hasSuffix("data: [DONE]\n\n"))
            // The row is committed before the stream's end reaches the client.
            let rows = try await gateway.gateway.ledger.usage(since: nil, groupBy: [.model])
            let row = try #require(rows.first { $0.group == ["streamy"] })
            // "alpha beta gamma", counted from the events' text.
            #expect(row.outputTokens == 3)
        }
    }

    @Test("the mock's usage chunk reaches only clients that asked for it")
    func usageChunkHidden() async throws {
        let gateway = try TestGateway("server: { auth: none }\nstorage: sqlite://k.db\nproviders:\n  sim: { kind: mock }\nmodels:\n  chat: { targets: [{ provider: sim, model: m }] }\n")
        try await gateway.test { client in
            let hidden = try await client.chat(userMessage("chat", "a b", extra: #","stream":true"#))
            #expect(!hidden.text.contains(#""usage""#))
            #expect(hidden.text.hasSuffix("data: [DONE]\n\n"))
            let shown = try await client.chat(userMessage("chat", "a b", extra: #","stream":true,"stream_options":{"include_usage":true}"#))
            #expect(shown.text.contains(#""usage""#))
        }
    }
}
