import Foundation
import Hummingbird
import HummingbirdTesting
import Shepherd
import ShepherdCore
import ShepherdServer
import Synchronization
import Testing

/// `shepherd analyze`'s engine against a real gateway on 127.0.0.1: mock providers behind
/// it, `ShepherdClient` in front, the checkpoint on disk.
@Suite("Analyze against a live gateway with mock providers")
struct AnalyzeLiveTests {
    static let yaml = """
        server: { auth: none }
        storage: sqlite://analyze.db
        providers:
          sim:   { kind: mock, latency_ms: 2 }
          flaky: { kind: mock, latency_ms: 2, fail_rate: 0.2, fail_status: 503, seed: 7 }
        models:
          chat:
            targets: [{ provider: sim, model: gpt-4o }]
          flaky:
            targets: [{ provider: flaky, model: gpt-4o-mini }]
            retry: { attempts: 1, base_ms: 1, max_ms: 1 }
        pricing:
          sim/gpt-4o: { input: 2.50, output: 10.00 }
        """

    /// Counts the answers the gateway gave (the calls paid for), by the request's user text,
    /// and fails like a dying process once `crashAfter` answers were paid.
    final class Meter: ChatCompleting {
        let inner: ShepherdClient
        let paid = Mutex<[String: Int]>([:])
        let crashAfter = Mutex<Int?>(nil)

        init(_ inner: ShepherdClient, crashAfter: Int?) {
            self.inner = inner
            self.crashAfter.withLock { $0 = crashAfter }
        }

        func complete(_ request: ChatCompletionRequest) async throws -> ChatCompletion {
            let total = paid.withLock { $0.values.reduce(0, +) }
            if let limit = crashAfter.withLock({ $0 }), total >= limit { throw SimulatedCrash() }
            let answer = try await inner.complete(request)
            paid.withLock { $0[request.messages.last?.text ?? "", default: 0] += 1 }
            return answer
        }
    }

    func withGateway(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shepherd-analyze-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = try ConfigLoader.parse(Self.yaml, file: folder.appendingPathComponent("shepherd.yaml").path)
        config.sourceFile = folder.appendingPathComponent("shepherd.yaml").path
        let gateway = try GatewayApplication(config: config)
        try await gateway.makeApplication(port: 0, host: "127.0.0.1").test(.live) { client in
            try await body(try #require(client.port))
        }
    }

    static func plan(model: String) throws -> MapReducePlan {
        let settings = MapReduceSettings(
            model: model, task: "Which items are owed to party 3?", contextWindow: 2_000, chunkTokens: 300,
            maxOutputTokens: 60, concurrency: 3)
        return try MapReducePlan(document: sampleDocument(paragraphs: 50), settings: settings, tokenizer: testTokenizer)
    }

    @Test("Crash after 4 paid calls, resume: the analysis completes through the gateway and no chunk is paid twice")
    func crashAndResume() async throws {
        try await withGateway { port in
            let client = try ShepherdClient(baseURL: "http://127.0.0.1:\(port)/v1")
            let plan = try Self.plan(model: "chat")
            let url = temporaryFile()
            let meter = Meter(client, crashAfter: 4)
            let first = try CheckpointLog(url: url, key: plan.key, model: "chat", chunks: plan.chunks.count, resume: false)
            await #expect(throws: SimulatedCrash.self) {
                try await MapReduceRunner(plan: plan, client: meter, checkpoint: first, retrier: instantRetrier).run()
            }
            await first.close()
            // The calls in flight when the crash came (at most 2 more) finish and are saved too.
            let saved = try #require(CheckpointLog.savedResults(at: url, key: plan.key))
            #expect((4...6).contains(saved))
            #expect(saved == meter.paid.withLock { $0.count })

            meter.crashAfter.withLock { $0 = nil }
            let second = try CheckpointLog(url: url, key: plan.key, model: "chat", chunks: plan.chunks.count, resume: true)
            let outcome = try await MapReduceRunner(plan: plan, client: meter, checkpoint: second, retrier: instantRetrier).run()
            await second.close()
            #expect(!outcome.answer.isEmpty)
            #expect(outcome.reusedCalls == saved)
            #expect(outcome.mapCalls + outcome.reusedCalls >= plan.chunks.count)
            let paid = meter.paid.withLock { $0 }
            for chunk in plan.chunks { #expect(paid[chunk.text] == 1, "chunk \(chunk.index)") }
            #expect(paid.values.allSatisfy { $0 == 1 })
        }
    }

    @Test("503s from a flaky provider come back as retryable errors and are retried")
    func flakyProvider() async throws {
        try await withGateway { port in
            let client = try ShepherdClient(baseURL: "http://127.0.0.1:\(port)/v1")
            let plan = try Self.plan(model: "flaky")
            let retrier = CallRetrier(attempts: 8, baseMs: 1, maxMs: 5)
            let outcome = try await MapReduceRunner(plan: plan, client: client, checkpoint: nil, retrier: retrier).run()
            #expect(!outcome.answer.isEmpty)
            #expect(outcome.retries > 0)
            #expect(outcome.mapCalls == plan.chunks.count)
        }
    }
}
