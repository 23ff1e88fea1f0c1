import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import ShepherdLedger

@Suite("Gateway routes (no sockets)")
struct RouterTests {
    static let yaml = """
        server: { auth: keys, max_body_mb: 0.01 }
        storage: sqlite://keys.db
        providers:
          sim:   { kind: mock }
          down:  { kind: mock, fail_rate: 1.0, fail_status: 503, retry_after_s: 3 }
          slow:  { kind: mock, hang: true, timeout_s: 0.2 }
        models:
          chat:
            targets: [{ provider: sim, model: gpt-4o }]
          other:
            targets: [{ provider: sim, model: gpt-4o-mini }]
          flaky:
            targets:
              - { provider: down, model: broken, weight: 100 }
              - { provider: sim,  model: healthy, weight: 0 }
          dead:
            targets: [{ provider: down, model: broken }]
            fallbacks: [chat]
          allbad:
            targets: [{ provider: down, model: broken }]
          hanging:
            targets: [{ provider: slow, model: tortoise }]
        pricing:
          sim/gpt-4o: { input: 2.50, cached_input: 1.25, output: 10.00 }
        """

    @Test("a valid key gets a completion with the SPEC's headers and exact cost")
    func completion() async throws {
        let gateway = try TestGateway(Self.yaml)
        let key = try await gateway.store.create(name: "t", models: nil, budgetUSD: nil, rpm: nil, tpm: nil).secret
        try await gateway.test { client in
            let response = try await client.chat(userMessage("chat", "Hello there"), key: key)
            #expect(response.status == .ok)
            #expect(response.headers[HTTPField.Name("x-shepherd-provider")!] == "sim")
            #expect(response.headers[HTTPField.Name("x-shepherd-model")!] == "gpt-4o")
            #expect(response.headers[HTTPField.Name("x-shepherd-attempts")!] == "1")
            #expect(response.headers[HTTPField.Name("x-request-id")!]?.hasPrefix("req_") == true)
            let json = try #require(response.json)
            let choices = try #require(json["choices"] as? [[String: Any]])
            #expect((choices[0]["message"] as? [String: Any])?["content"] as? String == "Hello there")
            let usage = try #require(json["usage"] as? [String: Any])
            let prompt = try #require(usage["prompt_tokens"] as? Int)
            let completion = try #require(usage["completion_tokens"] as? Int)
            // 2.50 per 1M input, 10.00 per 1M output.
            let expected = (Decimal(prompt) * Decimal(string: "2.5")! + Decimal(completion) * 10) / 1_000_000
            #expect(Decimal(string: response.headers[HTTPField.Name("x-shepherd-cost-usd")!] ?? "") == expected)
        }
    }

    @Test("missing, unknown and revoked keys are 401 invalid_api_key")
    func unauthenticated() async throws {
        let gateway = try TestGateway(Self.yaml)
        let created = try await gateway.store.create(name: "t", models: nil, budgetUSD: nil, rpm: nil, tpm: nil)
        let revoked = try await gateway.store.create(name: "r", models: nil, budgetUSD: nil, rpm: nil, tpm: nil)
        _ = try await gateway.store.revoke(id: revoked.key.id)
        try await gateway.test { client in
            for key in [nil, "sk-shep-wrong", created.secret + "x", revoked.secret] {
                let response = try await client.chat(userMessage("chat", "hi"), key: key)
                #expect(response.status == .unauthorized)
                #expect(response.errorEnvelope?.code == "invalid_api_key")
                #expect(response.errorEnvelope?.type == "authentication_error")
                #expect(response.headers[HTTPField.Name("x-request-id")!] != nil)
            }
        }
    }

    @Test("a key limited to some models gets 403 on others; unknown models are 404")
    func allowlist() async throws {
        let gateway = try TestGateway(Self.yaml)
        let key = try await gateway.store.create(name: "t", models: ["chat"], budgetUSD: nil, rpm: nil, tpm: nil).secret
        try await gateway.test { client in
            #expect(try await client.chat(userMessage("chat", "hi"), key: key).status == .ok)
            let forbidden = try await client.chat(userMessage("other", "hi"), key: key)
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.errorEnvelope?.code == "model_not_allowed")
            let missing = try await client.chat(userMessage("nope", "hi"), key: key)
            #expect(missing.status == .notFound)
            #expect(missing.errorEnvelope?.code == "model_not_found")
            let models = try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer \(key)"])
            let ids = (models.json?["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == ["chat"])
        }
    }

    @Test("bad input is a clear 400 and the server stays healthy")
    func badInput() async throws {
        let gateway = try TestGateway(Self.yaml)
        let key = try await gateway.store.create(name: "t", models: nil, budgetUSD: nil, rpm: nil, tpm: nil).secret
        try await gateway.test { client in
            for body in ["{", "[1]", #"{"model":"chat","messages":"x"}"#, #"{"model":"chat","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x"}}]}]}"#] {
                let response = try await client.chat(body, key: key)
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.errorEnvelope?.code == "invalid_request")
            }
            #expect(try await client.chat(userMessage("chat", "still fine"), key: key).status == .ok)
        }
    }

    @Test("a body over max_body_mb is 413 request_too_large")
    func tooLarge() async throws {
        let gateway = try TestGateway(Self.yaml)
        let key = try await gateway.store.create(name: "t", models: nil, budgetUSD: nil, rpm: nil, tpm: nil).secret
        try await gateway.test { client in
            let response = try await client.chat(userMessage("chat", String(repeating: "a", count: 20_000)), key: key)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorEnvelope?.code == "request_too_large")
        }
    }

    @Test("a failing target falls back to the model's fallbacks; attempts are counted")
    func fallback() async throws {
        let gateway = try TestGateway(Self.yaml)
        let key = try await gateway.store.create(name: "t", models: nil, budgetUSD: nil, rpm: nil, tpm: nil).secret
        try await gateway.test { client in
            let flaky = try await client.chat(userMessage("flaky", "hi"), key: key)
            #expect(flaky.status == .ok)
            #expect(flaky.headers[HTTPField.Name("x-shepherd-model")!] == "healthy")
            #expect(flaky.headers[HTTPField.Name("x-shepherd-attempts")!] == "2")
            let dead = try await client.chat(userMessage("dead", "hi"), key: key)
            #expect(dead.status == .ok)
            #expect(dead.headers[HTTPField.Name("x-shepherd-model")!] == "gpt-4o")
        }
    }

    @Test("every attempt failing is 502 upstream_error naming the last status")
    func allFail() async throws {
        let gateway = try TestGateway(Self.yaml)
        let key = try await gateway.store.create(name: "t", models: nil, budgetUSD: nil, rpm: nil, tpm: nil).secret
        try await gateway.test { client in
            let response = try await client.chat(userMessage("allbad", "hi"), key: key)
            #expect(response.status == .badGateway)
            #expect(response.errorEnvelope?.code == "upstream_error")
            #expect(response.errorEnvelope?.message.contains("HTTP 503") == true)
            #expect(response.headers[HTTPField.Name("x-request-id")!]?.hasPrefix("req_") == true)
            #expect(response.headers[HTTPField.Name("x-shepherd-attempts")!] == "1")
            let chosen = try await client.chat(userMessage("allbad", "hi"), key: key, headers: [HTTPField.Name("x-request-id")!: "client-chosen-id"])
            #expect(chosen.headers[HTTPField.Name("x-request-id")!]?.hasPrefix("req_") == true)
        }
    }

    @Test("an upstream that never answers is 504 upstream_timeout")
    func timeout() async throws {
        let gateway = try TestGateway(Self.yaml)
        let key = try await gateway.store.create(name: "t", models: nil, budgetUSD: nil, rpm: nil, tpm: nil).secret
        try await gateway.test { client in
            let response = try await client.chat(userMessage("hanging", "hi"), key: key)
            #expect(response.status == .gatewayTimeout)
            #expect(response.errorEnvelope?.code == "upstream_timeout")
        }
    }

    @Test("streaming answers arrive as SSE chunks that end with [DONE]")
    func streaming() async throws {
        let gateway = try TestGateway(Self.yaml)
        let key = try await gateway.store.create(name: "t", models: nil, budgetUSD: nil, rpm: nil, tpm: nil).secret
        try await gateway.test { client in
            let response = try await client.chat(userMessage("chat", "one two three", extra: #","stream":true,"stream_options":{"include_usage":true}"#), key: key)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            let events = response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.last == "data: [DONE]")
            var text = ""
            var sawUsage = false
            for event in events.dropLast() {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(event.dropFirst(6).utf8)) as? [String: Any])
                if object["usage"] is [String: Any] { sawUsage = true }
                for choice in object["choices"] as? [[String: Any]] ?? [] {
                    text += (choice["delta"] as? [String: Any])?["content"] as? String ?? ""
                }
            }
            #expect(text == "one two three")
            #expect(sawUsage)
        }
    }

    @Test("auth: none serves without a key; health, readiness and metrics answer")
    func systemRoutes() async throws {
        let gateway = try TestGateway("server: { auth: none }\nstorage: sqlite://k.db\nproviders:\n  sim: { kind: mock }\nmodels:\n  chat: { targets: [{ provider: sim, model: m }] }\n")
        try await gateway.test { client in
            #expect(try await client.chat(userMessage("chat", "hi")).status == .ok)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.text.contains("shepherd_requests_total"))
            #expect(metrics.text.contains("shepherd_upstream_requests_total"))
            // Handles made while the gateway is built (ledger writer, breakers) report too.
            #expect(metrics.text.contains("shepherd_ledger_rows_written_total"))
            #expect(metrics.text.contains("shepherd_breaker_state{"))
            let unknown = try await client.execute(uri: "/v2/nothing", method: .get)
            #expect(unknown.status == .notFound)
            #expect(unknown.errorEnvelope != nil)
        }
    }

    @Test("the admin API creates, lists and revokes keys behind the admin key")
    func admin() async throws {
        let gateway = try TestGateway(
            "server: { auth: keys, admin_key: env:ADMIN }\nstorage: sqlite://k.db\nproviders:\n  sim: { kind: mock }\nmodels:\n  chat: { targets: [{ provider: sim, model: m }] }\n",
            environment: ["ADMIN": "admin-key-123"])
        try await gateway.test { client in
            let denied = try await client.execute(uri: "/admin/v1/keys", method: .get, headers: [.authorization: "Bearer nope"])
            #expect(denied.status == .unauthorized)
            let admin: HTTPFields = [.authorization: "Bearer admin-key-123", .contentType: "application/json"]
            let created = try await client.execute(uri: "/admin/v1/keys", method: .post, headers: admin, body: ByteBuffer(string: #"{"name":"svc","models":["chat"]}"#))
            #expect(created.status == .created)
            let id = try #require(created.json?["id"] as? String)
            let secret = try #require(created.json?["key"] as? String)
            #expect(try await client.chat(userMessage("chat", "hi"), key: secret).status == .ok)
            let listed = try await client.execute(uri: "/admin/v1/keys", method: .get, headers: admin)
            #expect(!listed.text.contains(secret))
            #expect(listed.text.contains(id))
            #expect(try await client.execute(uri: "/admin/v1/keys/\(id)", method: .delete, headers: admin).status == .ok)
        }
    }
}
