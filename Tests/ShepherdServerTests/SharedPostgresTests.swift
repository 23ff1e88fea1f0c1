import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ShepherdCore
import ShepherdLedger
import ShepherdServer
import Testing

private let postgresURL = ProcessInfo.processInfo.environment["SHEPHERD_TEST_POSTGRES_URL"]

/// Two gateways on one PostgreSQL database, as a team runs several instances: a key made
/// through one works on the other, a budget holds across both, and usage adds up.
@Suite(
    "Two gateways on one PostgreSQL database",
    .enabled(if: postgresURL != nil, "SHEPHERD_TEST_POSTGRES_URL is not set (.ci/run starts a server and sets it)"))
struct SharedPostgresTests {
    static func gateway() throws -> GatewayApplication {
        let url = try #require(postgresURL)
        let yaml = """
            server: { auth: keys, admin_key: env:ADMIN }
            storage: \(url)
            providers:
              sim: { kind: mock, latency_ms: 5 }
            models:
              chat: { targets: [{ provider: sim, model: m }] }
            pricing:
              sim/m: { input: 1000, output: 1000 }
            """
        let config = try ConfigLoader.parse(yaml, file: "shared.yaml", environment: ["ADMIN": "admin"])
        return try GatewayApplication(config: config, rolloutInterval: .seconds(3600))
    }

    @Test("a key from gateway A works on B; 30 requests across both on a budget for about 10 never overspend")
    func sharedKeysBudgetAndUsage() async throws {
        let first = try Self.gateway()
        let second = try Self.gateway()
        let budget = Decimal(string: "0.15")!
        try await first.makeApplication(port: 0, host: "127.0.0.1").test(.live) { a in
            try await second.makeApplication(port: 0, host: "127.0.0.1").test(.live) { b in
                let admin: HTTPFields = [.authorization: "Bearer admin", .contentType: "application/json"]
                let created = try await a.execute(
                    uri: "/admin/v1/keys", method: .post, headers: admin,
                    body: ByteBuffer(string: #"{"name":"shared","budget_usd":0.15}"#))
                #expect(created.status == .created)
                let secret = try #require(created.json?["key"] as? String)
                let keyID = try #require(created.json?["id"] as? String)

                let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                    for index in 0..<30 {
                        let client = index.isMultiple(of: 2) ? a : b
                        group.addTask {
                            let response = try await client.chat(
                                userMessage("chat", "request number \(index)", extra: #","max_tokens":5"#), key: secret)
                            return (Int(response.status.code), response.errorEnvelope?.code)
                        }
                    }
                    var all: [(Int, String?)] = []
                    for try await result in group { all.append(result) }
                    return all
                }
                let served = statuses.filter { $0.0 == 200 }.count
                let refused = statuses.filter { $0.0 == 429 && $0.1 == "budget_exceeded" }.count
                #expect(served + refused == 30, "\(statuses)")
                #expect((5...12).contains(served), "served \(served)")
                let spend = try await second.ledger.spend(keyID: keyID)
                #expect(spend.spentUSD <= budget)
                #expect(spend.reservedUSD == 0)

                // Either gateway reports every served request of the key, exactly once.
                for client in [a, b] {
                    let usage = try await client.execute(uri: "/admin/v1/usage?group_by=key", method: .get, headers: admin)
                    let rows = try #require(usage.json?["rows"] as? [[String: Any]], "\(usage.text)")
                    let row = rows.first { $0["key"] as? String == keyID }
                    #expect((row?["requests"] as? Int) == served, "\(rows)")
                }

                let listed = try await b.execute(uri: "/admin/v1/keys", method: .get, headers: admin)
                #expect(listed.text.contains(keyID) && !listed.text.contains(secret))
            }
        }
    }
}
