import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import ShepherdServer

@Suite("Traffic: /admin/v1/traffic")
struct TrafficRoutesTests {
    static let yaml = """
        server: { auth: none, admin_key: env:ADMIN }
        storage: sqlite://t.db
        providers:
          sim:  { kind: mock }
          down: { kind: mock, fail_rate: 1.0, fail_status: 500 }
        models:
          chat:
            targets: [{ provider: down, model: broken }]
            retry: { attempts: 2, base_ms: 1, max_ms: 1 }
            fallbacks: [backup]
          backup:
            targets: [{ provider: sim, model: gpt-4o }]
        """

    static let admin: HTTPFields = [.authorization: "Bearer secret-admin"]

    @Test("per-target minutes with retries and fallbacks, moved by a manual clock")
    func minutes() async throws {
        let clock = MigrationTests.WallClock()  // a manual clock, moved by the test
        let gateway = try TestGateway(Self.yaml, environment: ["ADMIN": "secret-admin"], wallClock: { clock.now })
        try await gateway.test { client in
            for index in 0..<3 { try await client.chat(userMessage("chat", "r\(index)")) }
            clock.advance(minutes: 2)
            try await client.chat(userMessage("backup", "direct"))
            let response = try await client.execute(uri: "/admin/v1/traffic?minutes=5", method: .get, headers: Self.admin)
            #expect(response.status == .ok)
            let json = try #require(response.json)
            #expect(json["minutes"] as? Int == 5 && json["bucket_seconds"] as? Int == 60)
            let targets = try #require(json["targets"] as? [[String: Any]])
            let sim = try #require(targets.first { $0["target"] as? String == "sim/gpt-4o" })
            #expect(sim["requests"] as? Int == 4)
            #expect(sim["fallbacks"] as? Int == 3)
            #expect(sim["retries"] as? Int ?? 0 >= 3)
            let buckets = try #require(sim["buckets"] as? [[String: Any]])
            #expect(buckets.count == 5)
            #expect(buckets.map { $0["requests"] as? Int ?? -1 } == [0, 0, 3, 0, 1])
            #expect(sim["p99_ms"] is Double)

            clock.advance(minutes: 60)
            let later = try await client.execute(uri: "/admin/v1/traffic", method: .get, headers: Self.admin)
            #expect((later.json?["targets"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("/admin/v1/shadows lists every shadowed model, rollout or not")
    func shadows() async throws {
        let yaml = """
            server: { auth: none, admin_key: env:ADMIN }
            storage: sqlite://s.db
            providers: { sim: { kind: mock }, other: { kind: mock } }
            models:
              chat: { targets: [{ provider: sim, model: gpt-4o }], shadow: { to: other/flash, percent: 100 } }
              plain: { targets: [{ provider: sim, model: gpt-4o }] }
            """
        let gateway = try TestGateway(yaml, environment: ["ADMIN": "secret-admin"])
        try await gateway.test { client in
            try await client.chat(userMessage("chat", "mirrored"))
            let response = try await client.execute(uri: "/admin/v1/shadows", method: .get, headers: Self.admin)
            #expect(response.status == .ok)
            let data = try #require(response.json?["data"] as? [[String: Any]])
            #expect(data.count == 1)
            #expect(data.first?["model"] as? String == "chat" && data.first?["to"] as? String == "other/flash")
            #expect(data.first?["percent"] as? Double == 100)
            let denied = try await client.execute(uri: "/admin/v1/shadows", method: .get)
            #expect(denied.status == .unauthorized)
        }
    }

    @Test("the admin key is required and minutes is checked")
    func guarded() async throws {
        let gateway = try TestGateway(Self.yaml, environment: ["ADMIN": "secret-admin"])
        try await gateway.test { client in
            let anonymous = try await client.execute(uri: "/admin/v1/traffic", method: .get)
            #expect(anonymous.status == .unauthorized)
            let wrong = try await client.execute(uri: "/admin/v1/traffic", method: .get, headers: [.authorization: "Bearer nope"])
            #expect(wrong.errorEnvelope?.code == "invalid_api_key")
            let bad = try await client.execute(uri: "/admin/v1/traffic?minutes=90", method: .get, headers: Self.admin)
            #expect(bad.status == .badRequest)
        }
    }
}
