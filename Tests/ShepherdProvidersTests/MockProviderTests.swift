import Logging
import NIOCore
import ShepherdCore
import Testing

@testable import ShepherdProviders

@Suite("Mock provider")
struct MockProviderTests {
    func call(_ json: String, deadline: Duration = .seconds(5)) throws -> UpstreamCall {
        UpstreamCall(
            request: try InboundChatRequest(body: Array(json.utf8)), target: Target(provider: "sim", model: "m"),
            requestID: "r1", deadline: .now + deadline, logger: Logger(label: "test"))
    }

    func provider(_ configure: (inout MockSettings) -> Void) -> MockProvider {
        var config = ProviderConfig(name: "sim", kind: .mock)
        configure(&config.mock)
        return MockProvider(config: config)
    }

    @Test("the same seed fails the same calls")
    func deterministic() async throws {
        func outcomes() async throws -> [Bool] {
            let mock = provider { $0.failRate = 0.5; $0.seed = 7 }
            var results: [Bool] = []
            for _ in 0..<40 {
                do {
                    _ = try await mock.complete(try call(#"{"model":"m","messages":[{"role":"user","content":"x"}]}"#))
                    results.append(true)
                } catch let failure as UpstreamFailure {
                    #expect(failure.status == 500)
                    results.append(false)
                }
            }
            return results
        }
        let first = try await outcomes()
        #expect(try await outcomes() == first)
        #expect(first.contains(true) && first.contains(false))
    }

    @Test("echoes the last user message with usage; calls the requested tool")
    func answers() async throws {
        let mock = provider { _ in }
        guard case .complete(let body, let usage) = try await mock.complete(try call(#"{"model":"m","messages":[{"role":"user","content":"ping pong"}]}"#)) else {
            Issue.record("expected a complete answer")
            return
        }
        #expect(String(buffer: body).contains(#""content":"ping pong""#))
        #expect(usage?.completionTokens == 3)
        let tools = #"{"model":"m","tools":[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"b"}}],"tool_choice":{"type":"function","function":{"name":"b"}},"messages":[{"role":"user","content":"x"}]}"#
        guard case .complete(let toolBody, _) = try await mock.complete(try call(tools)) else { return }
        #expect(String(buffer: toolBody).contains(#""finish_reason":"tool_calls""#))
        #expect(String(buffer: toolBody).contains(#""name":"b""#))
    }

    @Test("a hanging mock times out at the deadline with Retry-After-free timeout")
    func hang() async throws {
        let mock = provider { $0.hang = true }
        await #expect(throws: UpstreamFailure.self) {
            _ = try await mock.complete(try call(#"{"model":"m","messages":[{"role":"user","content":"x"}]}"#, deadline: .milliseconds(50)))
        }
    }

    @Test("failures carry the configured status and Retry-After")
    func failure() async throws {
        let mock = provider { $0.failRate = 1; $0.failStatus = 429; $0.retryAfterSeconds = 9 }
        do {
            _ = try await mock.complete(try call(#"{"model":"m","messages":[{"role":"user","content":"x"}]}"#))
            Issue.record("expected a failure")
        } catch let failure as UpstreamFailure {
            #expect(failure.status == 429 && failure.retryAfterSeconds == 9 && failure.isRetryable)
        }
    }

    @Test("redaction removes configured secrets and key-shaped words")
    func redaction() {
        let redactor = Redactor(secrets: ["my-upstream-secret"])
        let text = redactor.redact("bad key my-upstream-secret and sk-proj-abc and (AIzaSyX) ok")
        #expect(text == "bad key [redacted] and [redacted] and [redacted] ok")
    }

    @Test("Retry-After reads seconds and HTTP dates")
    func retryAfter() {
        #expect(RetryAfter.seconds("12") == 12)
        #expect(RetryAfter.seconds(nil) == nil)
        #expect(RetryAfter.seconds("soon") == nil)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetryAfter.seconds("Tue, 14 Nov 2023 22:13:40 GMT", now: now) == 20)
    }
}

import Foundation
