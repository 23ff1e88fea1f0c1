import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ShepherdLedger
import Testing

@Suite("Ledger and budgets on the request path")
struct LedgerIntegrationTests {
    static let yaml = """
        server: { auth: keys, admin_key: env:ADMIN }
        storage: sqlite://ledger.db
        providers:
          sim: { kind: mock, latency_ms: 5 }
        models:
          chat: { targets: [{ provider: sim, model: m }] }
        pricing:
          sim/m: { input: 1000, output: 1000 }
        """

    @Test("30 concurrent requests on a budget for about 10: nothing is overspent, the rest are refused")
    func budgetHoldsUnderConcurrency() async throws {
        let gateway = try TestGateway(Self.yaml, environment: ["ADMIN": "admin"])
        let budget = Decimal(string: "0.15")!
        let created = try await gateway.store.create(name: "b", models: nil, budgetUSD: budget, rpm: nil, tpm: nil)
        let store = gateway.gateway.ledger
        try await gateway.test(.live) { client in
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for index in 0..<30 {
                    group.addTask {
                        let response = try await client.chat(
                            userMessage("chat", "request number \(index)", extra: #","max_tokens":5"#), key: created.secret)
                        return (Int(response.status.code), response.errorEnvelope?.code)
                    }
                }
                var all: [(Int, String?)] = []
                for try await result in group { all.append(result) }
                return all
            }
            let served = statuses.filter { $0.0 == 200 }.count
            let refused = statuses.filter { $0.0 == 429 && $0.1 == "budget_exceeded" }.count
            #expect(served + refused == 30)
            #expect((5...12).contains(served), "served \(served)")
            let spend = try await store.spend(keyID: created.key.id)
            #expect(spend.spentUSD <= budget)
            #expect(spend.reservedUSD == 0)
            // Spending on until refused never passes the budget either.
            var refusedLater = false
            for _ in 0..<20 where !refusedLater {
                let response = try await client.chat(userMessage("chat", "one more", extra: #","max_tokens":5"#), key: created.secret)
                refusedLater = response.status == .tooManyRequests
            }
            #expect(refusedLater)
            #expect(try await store.spend(keyID: created.key.id).spentUSD <= budget)
        }
    }

    @Test("x-shepherd-cost-usd is the ledger row's cost, images priced per image included")
    func costHeaderMatchesRow() async throws {
        // The catalog prices this model per image too (0.0011 USD), besides its tokens.
        let gateway = try TestGateway(
            """
            server: { auth: none }
            storage: sqlite://ledger.db
            providers:
              sim: { kind: mock, latency_ms: 1 }
            models:
              vision: { targets: [{ provider: sim, model: gemini-3-pro-image-preview }] }
            """)
        let image = #"{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}"#
        let body = #"{"model":"vision","messages":[{"role":"user","content":[{"type":"text","text":"what is this?"},\#(image),\#(image)]}]}"#
        try await gateway.test(.live) { client in
            let response = try await client.chat(body, key: nil)
            #expect(response.status == .ok)
            let header = try #require(response.headers[HTTPField.Name("x-shepherd-cost-usd")!])
            let row = try #require(try await gateway.gateway.ledger.usage(since: nil, groupBy: []).first)
            #expect(row.requests == 1)
            #expect(Decimal(string: header) == row.costUSD)
            // 2 and 12 USD per million input and output tokens, and two images.
            let tokens = (Decimal(row.inputTokens) * 2 + Decimal(row.outputTokens) * 12) / 1_000_000
            #expect(row.costUSD == tokens + Decimal(string: "0.0022")!)
        }
    }

    @Test("every request has one row with its tokens and exact cost; streams too; usage is reported")
    func rows() async throws {
        let gateway = try TestGateway(Self.yaml, environment: ["ADMIN": "admin"])
        let key = try await gateway.store.create(name: "r", models: nil, budgetUSD: nil, rpm: nil, tpm: nil)
        try await gateway.test(.live) { client in
            let plain = try await client.chat(userMessage("chat", "hello there"), key: key.secret)
            #expect(plain.status == .ok)
            let streamed = try await client.chat(userMessage("chat", "hello stream", extra: #","stream":true"#), key: key.secret)
            #expect(streamed.status == .ok)
            _ = try await client.chat(userMessage("missing", "x"), key: key.secret)
            let report = try await client.execute(
                uri: "/admin/v1/usage?group_by=model,key", method: .get, headers: [.authorization: "Bearer admin"])
            #expect(report.status == .ok)
            #expect(report.text.contains(key.key.id))
            let rows = try await gateway.gateway.ledger.usage(since: nil, groupBy: [.model])
            let chat = try #require(rows.first { $0.group == ["chat"] })
            #expect(chat.requests == 2)
            #expect(chat.outputTokens > 0 && chat.inputTokens > 0)
            #expect(chat.costUSD == Decimal(chat.inputTokens + chat.outputTokens) / 1000)
            let bad = try await client.execute(uri: "/admin/v1/usage?since=yesterdayish", method: .get, headers: [.authorization: "Bearer admin"])
            #expect(bad.status == .badRequest)
        }
    }
}
