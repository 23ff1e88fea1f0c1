import Foundation
import Shepherd
import ShepherdCore
import Synchronization
import Testing

@Suite("MapReduce retries: which failures, and how long to wait")
struct MapReduceRetryTests {
    /// Fails `failures` times with `error`, then answers; records the waits asked for.
    static func retried(_ error: any Error, failures: Int = 1, attempts: Int = 4) async throws -> (retries: Int, waits: [Duration]) {
        let waits = Mutex<[Duration]>([])
        let left = Mutex(failures)
        let retrier = CallRetrier(attempts: attempts, baseMs: 10, maxMs: 20, sleep: { wait in waits.withLock { $0.append(wait) } })
        let (_, retries) = try await retrier.run { () async throws -> Int in
            if left.withLock({ count in defer { count -= 1 }; return count > 0 }) { throw error }
            return 1
        }
        return (retries, waits.withLock { $0 })
    }

    @Test("A 429's Retry-After is a floor on the wait, through the gateway error or the client's")
    func honoursRetryAfter() async throws {
        let gateway = try await Self.retried(GatewayError(.rateLimitExceeded, "slow down", retryAfterSeconds: 3))
        #expect(gateway.retries == 1)
        #expect(gateway.waits.allSatisfy { $0 >= .seconds(3) })
        let client = try await Self.retried(ShepherdError(.rateLimited(retryAfter: .seconds(2)), "slow down", status: 429))
        #expect(client.waits.count == 1 && client.waits[0] >= .seconds(2))
    }

    @Test("5xx, timeouts and dropped connections are retried with backoff under max_ms")
    func retryable() async throws {
        for error: any Error in [
            GatewayError(.upstreamError, "bad gateway"), GatewayError(.upstreamTimeout, "late"),
            ShepherdError(.server(status: 500), "oops", status: 500), ShepherdError(.timeout, "late"),
            ShepherdError(.connection, "reset"),
        ] {
            let result = try await Self.retried(error, failures: 3)
            #expect(result.retries == 3, "\(error)")
            #expect(result.waits.allSatisfy { $0 <= .milliseconds(20) })
        }
    }

    @Test("Refusals, spent budgets and bad requests fail at once; attempts run out")
    func notRetryable() async throws {
        for error: any Error in [
            GatewayError(.budgetExceeded, "spent"), GatewayError(.invalidAPIKey, "who"),
            ShepherdError(.contextLengthExceeded(limit: 10, requested: 20), "long", status: 400),
            ShepherdError(.budgetExceeded, "spent", status: 429),
        ] {
            await #expect(throws: (any Error).self) { try await Self.retried(error) }
        }
        await #expect(throws: GatewayError.self) {
            try await Self.retried(GatewayError(.upstreamError, "down"), failures: 10, attempts: 3)
        }
    }

    @Test("A one-chunk document is one call that answers the task, without reduce")
    func singleCall() async throws {
        let settings = MapReduceSettings(model: "gpt-4o", task: "Summarize", contextWindow: 4_000, chunkTokens: 500)
        let plan = try MapReducePlan(document: "Item 4 is owed to party 3.", settings: settings, tokenizer: testTokenizer)
        let model = CountingModel()
        let outcome = try await MapReduceRunner(plan: plan, client: model, checkpoint: nil, retrier: instantRetrier).run()
        #expect(outcome.mapCalls == 1 && outcome.reduceCalls == 0 && outcome.reduceLevels == 0)
        #expect(model.paidCalls == 1)
        #expect(!outcome.answer.isEmpty)
    }
}
