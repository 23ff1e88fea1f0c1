import Foundation
import Shepherd
import ShepherdCore
import Testing

@Suite("MapReduceRunner: map, reduce, retries, and resume after a crash")
struct MapReduceRunnerTests {
    static func plan(paragraphs: Int = 60, window: Int = 4_000, chunk: Int = 200, output: Int = 100, concurrency: Int = 3) throws -> MapReducePlan {
        let settings = MapReduceSettings(
            model: "gpt-4o", task: "List every item owed to party 3", contextWindow: window, chunkTokens: chunk,
            maxOutputTokens: output, concurrency: concurrency)
        return try MapReducePlan(document: sampleDocument(paragraphs: paragraphs), settings: settings, tokenizer: testTokenizer)
    }

    @Test("A run makes one call per chunk and the estimated reduce calls, and answers")
    func plainRun() async throws {
        let plan = try Self.plan()
        let model = CountingModel()
        let outcome = try await MapReduceRunner(plan: plan, client: model, checkpoint: nil, retrier: instantRetrier).run()
        #expect(outcome.answer.hasPrefix("FINAL"))
        #expect(outcome.mapCalls == plan.chunks.count)
        #expect(outcome.reduceCalls == plan.estimate.reduceCalls)
        #expect(model.paidCalls == plan.estimate.calls)
        #expect(outcome.paid.input <= plan.estimate.inputTokens)
        #expect(outcome.paid.output <= plan.estimate.outputTokens)
    }

    @Test("Rate limits are retried: every chunk answered, none paid twice")
    func retries() async throws {
        let plan = try Self.plan(paragraphs: 20)
        let model = CountingModel(rateLimitFirstAttempt: true)
        let outcome = try await MapReduceRunner(plan: plan, client: model, checkpoint: nil, retrier: instantRetrier).run()
        #expect(outcome.retries == plan.estimate.calls)
        #expect(model.paid.values.allSatisfy { $0 == 1 })
        #expect(model.attempts == 2 * plan.estimate.calls)
    }

    @Test("Crash after K map calls, torn checkpoint line, resume: no chunk is paid twice")
    func resumeAfterCrash() async throws {
        let plan = try Self.plan(paragraphs: 80, concurrency: 3)
        let chunks = plan.chunks.count
        #expect(chunks >= 10)
        let url = temporaryFile()
        let model = CountingModel(crashAfter: 5)

        let first = try CheckpointLog(url: url, key: plan.key, model: "gpt-4o", chunks: chunks, resume: false)
        await #expect(throws: SimulatedCrash.self) {
            try await MapReduceRunner(plan: plan, client: model, checkpoint: first, retrier: instantRetrier).run()
        }
        await first.close()
        #expect(model.paidCalls == 5)
        #expect(CheckpointLog.savedResults(at: url, key: plan.key) == 5)
        // The crash tore the line being written.
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"id":"map:9","te"#.utf8))
        try handle.close()

        // Without --resume the saved results are not thrown away.
        #expect(throws: CheckpointError.existing(path: url.path, entries: 5)) {
            try CheckpointLog(url: url, key: plan.key, model: "gpt-4o", chunks: chunks, resume: false)
        }
        model.stopCrashing()
        let second = try CheckpointLog(url: url, key: plan.key, model: "gpt-4o", chunks: chunks, resume: true)
        #expect(second.ignoredLines == 1)
        let outcome = try await MapReduceRunner(plan: plan, client: model, checkpoint: second, retrier: instantRetrier).run()
        await second.close()

        #expect(outcome.answer.hasPrefix("FINAL"))
        #expect(outcome.reusedCalls == 5)
        #expect(outcome.mapCalls == chunks - 5)
        for chunk in plan.chunks {
            #expect(model.paid[chunk.text] == 1, "chunk \(chunk.index) paid \(model.paid[chunk.text] ?? 0) times")
        }
        #expect(model.paid.values.allSatisfy { $0 == 1 })
        #expect(model.paidCalls == plan.estimate.calls)

        // A third run of a finished analysis pays nothing at all.
        let third = try CheckpointLog(url: url, key: plan.key, model: "gpt-4o", chunks: chunks, resume: true)
        let again = try await MapReduceRunner(plan: plan, client: model, checkpoint: third, retrier: instantRetrier).run()
        #expect(again.answer == outcome.answer)
        #expect(again.mapCalls == 0 && again.reduceCalls == 0)
        #expect(model.paidCalls == plan.estimate.calls)
    }

    @Test("Partials larger than the window are truncated and the reduce still ends in one answer")
    func hierarchicalWithOversizedPartials() async throws {
        // Every map call echoes its whole chunk (as the mock provider does), past max_tokens.
        let plan = try Self.plan(paragraphs: 120, window: 700, chunk: 150, output: 100, concurrency: 2)
        let model = CountingModel(mapAnswer: { String(repeating: $0, count: 4) })
        let outcome = try await MapReduceRunner(plan: plan, client: model, checkpoint: nil, retrier: instantRetrier).run()
        #expect(outcome.answer.hasPrefix("FINAL"))
        #expect(outcome.reduceLevels >= 2)
        #expect(plan.chunks.allSatisfy { 4 * $0.tokenCount > plan.partialCap })
        #expect(outcome.truncatedPartials == plan.chunks.count)
        #expect(model.paid.values.allSatisfy { $0 == 1 })
    }

    @Test("A request the server refuses is not retried")
    func notRetried() async throws {
        struct Refusing: ChatCompleting {
            func complete(_ request: ChatCompletionRequest) async throws -> ChatCompletion {
                throw GatewayError(.modelNotFound, "no such model")
            }
        }
        let plan = try Self.plan(paragraphs: 5)
        let retrier = CallRetrier(attempts: 3, baseMs: 1, maxMs: 1, sleep: { _ in Issue.record("slept for a retry") })
        await #expect(throws: GatewayError.self) {
            try await MapReduceRunner(plan: plan, client: Refusing(), checkpoint: nil, retrier: retrier).run()
        }
    }
}
