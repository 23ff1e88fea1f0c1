import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@testable import ShepherdServer

/// Chaos tests: the mock provider's faults, and an in-test upstream whose faults change
/// while it runs.
@Suite("Routing and resilience")
struct ResilienceTests {
    @Test("a 100 %-failing target costs the client nothing but latency while another is healthy")
    func failingTargetIsInvisible() async throws {
        let gateway = try TestGateway("""
            server: { auth: none }
            storage: sqlite://k.db
            providers:
              down: { kind: mock, fail_rate: 1.0, fail_status: 500 }
              up:   { kind: mock }
            models:
              chat:
                targets: [{ provider: down, model: a, weight: 50 }, { provider: up, model: b, weight: 50 }]
                breaker: { window: 20, min_requests: 10, failure_rate: 0.5, open_s: 30 }
            """)
        try await gateway.test { client in
            for index in 0..<200 {
                let response = try await client.chat(userMessage("chat", "n\(index)"))
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("x-shepherd-provider")!] == "up")
            }
        }
        #expect(gateway.gateway.board.breakerSnapshot(.init(provider: "down", model: "a"))?.state == "open")
    }

    @Test("a 90/10 split holds within ±3 points over 2,000 requests; sticky users stay put")
    func splitAndStickiness() async throws {
        let gateway = try TestGateway("""
            server: { auth: none }
            storage: sqlite://k.db
            providers:
              legacy: { kind: mock }
              relay:  { kind: mock }
            models:
              chat:
                targets: [{ provider: legacy, model: gpt-4o, weight: 90 }, { provider: relay, model: flash, weight: 10 }]
              sticky:
                targets: [{ provider: legacy, model: gpt-4o, weight: 50 }, { provider: relay, model: flash, weight: 50 }]
                sticky: user
            """)
        try await gateway.test { client in
            var relay = 0
            for _ in 0..<2_000 where try await client.chat(userMessage("chat", "x")).headers[HTTPField.Name("x-shepherd-provider")!] == "relay" {
                relay += 1
            }
            #expect((140...260).contains(relay), "relay got \(relay) of 2000")
            for user in 0..<20 {
                var seen = Set<String>()
                for _ in 0..<10 {
                    let response = try await client.chat(userMessage("sticky", "x", extra: #","user":"user-\#(user)""#))
                    seen.insert(response.headers[HTTPField.Name("x-shepherd-provider")!] ?? "")
                }
                #expect(seen.count == 1)
            }
        }
    }

    @Test("an open breaker stops traffic to the failing upstream; it closes once the upstream heals")
    func breakerCutsAndRecovers() async throws {
        let upstream = SwitchableUpstream()
        let clock = TestClock()
        try await upstream.run { port in
            let gateway = try TestGateway("""
                server: { auth: none }
                storage: sqlite://k.db
                providers:
                  flaky:  { kind: openai, base_url: http://127.0.0.1:\(port)/v1 }
                  backup: { kind: mock }
                models:
                  chat:
                    targets: [{ provider: flaky, model: m, weight: 100 }, { provider: backup, model: b, weight: 0 }]
                    breaker: { window: 10, min_requests: 5, failure_rate: 0.5, open_s: 30, half_open_probes: 2 }
                """, now: { clock.now })
            try await gateway.test { client in
                upstream.failing.store(true, ordering: .relaxed)
                for _ in 0..<50 {
                    #expect(try await client.chat(userMessage("chat", "x")).status == .ok)
                }
                // Five failures opened the breaker; the other 45 went straight to the backup.
                #expect(upstream.received.load(ordering: .relaxed) == 5)
                upstream.failing.store(false, ordering: .relaxed)
                clock.advance(by: .seconds(29))
                _ = try await client.chat(userMessage("chat", "x"))
                #expect(upstream.received.load(ordering: .relaxed) == 5)
                clock.advance(by: .seconds(1))
                for _ in 0..<10 {
                    let response = try await client.chat(userMessage("chat", "x"))
                    #expect(response.headers[HTTPField.Name("x-shepherd-provider")!] == "flaky")
                }
                #expect(upstream.received.load(ordering: .relaxed) == 15)
                let routes = try await client.execute(uri: "/admin/v1/routes", method: .get)
                #expect(routes.status == .unauthorized)
            }
            #expect(gateway.gateway.board.breakerSnapshot(.init(provider: "flaky", model: "m"))?.state == "closed")
        }
    }

    @Test("every breaker open is 503 no_healthy_upstream")
    func allOpen() async throws {
        let clock = TestClock()
        let gateway = try TestGateway("""
            server: { auth: none }
            storage: sqlite://k.db
            providers:
              down: { kind: mock, fail_rate: 1.0 }
            models:
              chat:
                targets: [{ provider: down, model: a }]
                breaker: { window: 4, min_requests: 2, failure_rate: 0.5, open_s: 10 }
            """, now: { clock.now })
        try await gateway.test { client in
            #expect(try await client.chat(userMessage("chat", "x")).status == .badGateway)
            #expect(try await client.chat(userMessage("chat", "x")).status == .badGateway)
            let response = try await client.chat(userMessage("chat", "x"))
            #expect(response.status == .serviceUnavailable)
            #expect(response.errorEnvelope?.code == "no_healthy_upstream")
            clock.advance(by: .seconds(10))
            #expect(try await client.chat(userMessage("chat", "x")).status == .badGateway)
        }
    }

    @Test("retries honour Retry-After and then succeed on the same target")
    func retryAfter() async throws {
        let upstream = SwitchableUpstream()
        try await upstream.run { port in
            let gateway = try TestGateway("""
                server: { auth: none }
                storage: sqlite://k.db
                providers:
                  limited: { kind: openai, base_url: http://127.0.0.1:\(port)/v1 }
                models:
                  chat:
                    targets: [{ provider: limited, model: m }]
                    retry: { attempts: 3, base_ms: 1, max_ms: 5 }
                """)
            try await gateway.test { client in
                upstream.rateLimitedCalls.store(1, ordering: .relaxed)
                let started = ContinuousClock.now
                let response = try await client.chat(userMessage("chat", "x"))
                let elapsed = started.duration(to: .now)
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("x-shepherd-attempts")!] == "2")
                #expect(elapsed >= .milliseconds(950), "waited only \(elapsed)")
            }
        }
    }

    @Test("a hung upstream gives 504 within the request's deadline")
    func hungUpstream() async throws {
        let gateway = try TestGateway("""
            server: { auth: none }
            storage: sqlite://k.db
            providers:
              stuck: { kind: mock, hang: true, timeout_s: 0.2 }
            models:
              chat:
                targets: [{ provider: stuck, model: m }]
                retry: { attempts: 5, base_ms: 1, max_ms: 2, deadline_s: 0.5 }
            """)
        try await gateway.test { client in
            let started = ContinuousClock.now
            let response = try await client.chat(userMessage("chat", "x"))
            #expect(response.status == .gatewayTimeout)
            #expect(response.errorEnvelope?.code == "upstream_timeout")
            // The bound only catches a hang. It was 2 s, but the whole suite shares two cores: its
            // CPU-bound tests have held Swift's task pool for up to ten seconds (measured with a
            // watchdog task), and this test's clock runs on through that.
            #expect(started.duration(to: .now) < .seconds(20))
        }
    }

    @Test("a stream that fails before its first byte falls back like any other request")
    func streamFallsBack() async throws {
        let gateway = try TestGateway("""
            server: { auth: none }
            storage: sqlite://k.db
            providers:
              down: { kind: mock, fail_rate: 1.0, fail_status: 502 }
              up:   { kind: mock }
            models:
              chat: { targets: [{ provider: down, model: a, weight: 1 }, { provider: up, model: b, weight: 0 }] }
            """)
        try await gateway.test { client in
            let response = try await client.chat(userMessage("chat", "streamed", extra: #","stream":true"#))
            #expect(response.status == .ok)
            #expect(response.headers[HTTPField.Name("x-shepherd-provider")!] == "up")
            #expect(response.text.hasSuffix("data: [DONE]\n\n"))
        }
    }

    @Test("a key over its rpm gets 429 with Retry-After and x-ratelimit headers")
    func keyLimits() async throws {
        let gateway = try TestGateway("""
            server: { auth: keys }
            storage: sqlite://k.db
            providers:
              up: { kind: mock }
            models:
              chat: { targets: [{ provider: up, model: b }] }
            """)
        let key = try await gateway.store.create(name: "t", models: nil, budgetUSD: nil, rpm: 2, tpm: nil).secret
        try await gateway.test { client in
            let first = try await client.chat(userMessage("chat", "x"), key: key)
            #expect(first.status == .ok)
            #expect(first.headers[HTTPField.Name("x-ratelimit-limit-requests")!] == "2")
            #expect(first.headers[HTTPField.Name("x-ratelimit-remaining-requests")!] == "1")
            #expect(try await client.chat(userMessage("chat", "x"), key: key).status == .ok)
            let refused = try await client.chat(userMessage("chat", "x"), key: key)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.errorEnvelope?.code == "rate_limit_exceeded")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(refused.headers[HTTPField.Name("x-ratelimit-remaining-requests")!] == "0")
        }
    }

    @Test("a provider over its rpm with no other target answers 429 at once, not an upstream 429")
    func providerPacing() async throws {
        let gateway = try TestGateway("""
            server: { auth: none }
            storage: sqlite://k.db
            providers:
              tight: { kind: mock, rpm: 1 }
            models:
              chat: { targets: [{ provider: tight, model: b }] }
            """)
        try await gateway.test { client in
            #expect(try await client.chat(userMessage("chat", "x")).status == .ok)
            let refused = try await client.chat(userMessage("chat", "x"))
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 50)
        }
    }
}

/// A clock for the gateway's breakers and limiters that tests move by hand.
final class TestClock: Sendable {
    private let current = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { current.withLock { $0 } }
    func advance(by duration: Duration) { current.withLock { $0 = $0.advanced(by: duration) } }
}

/// An OpenAI-compatible upstream whose faults a test switches while it runs.
final class SwitchableUpstream: Sendable {
    let failing = Atomic<Bool>(false)
    let rateLimitedCalls = Atomic<Int>(0)
    let received = Atomic<Int>(0)

    func run(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.post("/v1/chat/completions") { _, _ -> Response in
            self.received.add(1, ordering: .relaxed)
            if self.failing.load(ordering: .relaxed) {
                return FakeUpstream.json(#"{"error":{"message":"down"}}"#, status: .internalServerError)
            }
            if self.rateLimitedCalls.load(ordering: .relaxed) > 0 {
                self.rateLimitedCalls.subtract(1, ordering: .relaxed)
                var response = FakeUpstream.json(#"{"error":{"message":"slow down"}}"#, status: .tooManyRequests)
                response.headers[.retryAfter] = "1"
                return response
            }
            return FakeUpstream.json(#"{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body(try #require(client.port)) }
    }
}
