import Foundation
import Shepherd
import ShepherdTokenizer
import Testing

@Suite("MapReducePlan: chunking and estimates")
struct MapReducePlanTests {
    static func settings(window: Int = 4_000, chunk: Int = 200, output: Int = 100, task: String = "List the items") -> MapReduceSettings {
        MapReduceSettings(model: "gpt-4o", task: task, contextWindow: window, chunkTokens: chunk, maxOutputTokens: output)
    }

    @Test("One map call per chunk, every chunk within the chunk size, the whole document covered")
    func chunkCounts() throws {
        let document = sampleDocument(paragraphs: 60)
        let plan = try MapReducePlan(document: document, settings: Self.settings(), tokenizer: testTokenizer)
        let tokens = testTokenizer.count(document)
        #expect(plan.documentTokens == tokens)
        #expect(plan.chunks.count >= tokens / 200)
        #expect(plan.chunks.count <= tokens / 150 + 1)  // cuts at paragraph ends lose at most the slack
        #expect(plan.chunks.allSatisfy { $0.tokenCount <= 200 })
        #expect(plan.chunks.first?.start == 0 && plan.chunks.last?.end == document.utf8.count)
        #expect(plan.estimate.mapCalls == plan.chunks.count)
        #expect(plan.estimate.inputTokens > tokens)
        #expect(plan.estimate.outputTokens == (plan.estimate.mapCalls + plan.estimate.reduceCalls) * 100)
        #expect(plan.estimate.reduceCallsPerLevel.last == 1)
    }

    @Test("A document that fits one chunk is one call and no reduce")
    func singleChunk() throws {
        let plan = try MapReducePlan(document: "A short note about item 4.", settings: Self.settings(), tokenizer: testTokenizer)
        #expect(plan.chunks.count == 1)
        #expect(plan.estimate.mapCalls == 1)
        #expect(plan.estimate.reduceCalls == 0)
        #expect(plan.estimate.reduceCallsPerLevel.isEmpty)
    }

    @Test("The chunk size is lowered to what the window leaves after the prompt")
    func chunkFitsWindow() throws {
        let plan = try MapReducePlan(
            document: sampleDocument(paragraphs: 40), settings: Self.settings(window: 500, chunk: 8_000, output: 50),
            tokenizer: testTokenizer)
        #expect(plan.settings.chunkTokens < 500)
        #expect(plan.chunks.allSatisfy { $0.tokenCount <= plan.settings.chunkTokens })
    }

    @Test("A window with no room for two partial results is refused before any call")
    func windowTooSmall() throws {
        #expect(throws: MapReducePlanError.self) {
            try MapReducePlan(document: sampleDocument(paragraphs: 5), settings: Self.settings(window: 300, chunk: 100, output: 200), tokenizer: testTokenizer)
        }
        #expect(throws: MapReducePlanError.emptyTask) {
            try MapReducePlan(document: "text", settings: Self.settings(task: "  "), tokenizer: testTokenizer)
        }
    }

    @Test("A small window reduces in several levels, each with fewer calls, ending in one")
    func hierarchicalEstimate() throws {
        let plan = try MapReducePlan(
            document: sampleDocument(paragraphs: 200), settings: Self.settings(window: 800, chunk: 150, output: 120),
            tokenizer: testTokenizer)
        let levels = plan.estimate.reduceCallsPerLevel
        #expect(levels.count >= 2)
        #expect(levels.last == 1)
        #expect(zip(levels, levels.dropFirst()).allSatisfy { $0 > $1 })
    }

    @Test("The key changes with document, task, model and chunking, and only with them")
    func keys() throws {
        let document = sampleDocument(paragraphs: 10)
        func key(_ document: String, _ settings: MapReduceSettings) throws -> String {
            try MapReducePlan(document: document, settings: settings, tokenizer: testTokenizer).key
        }
        let base = try key(document, Self.settings())
        #expect(try key(document, Self.settings()) == base)
        #expect(try key(document + " ", Self.settings()) != base)
        #expect(try key(document, Self.settings(task: "Other")) != base)
        #expect(try key(document, Self.settings(chunk: 201)) != base)
        var other = Self.settings()
        other.model = "gpt-4o-mini"
        #expect(try key(document, other) != base)
        var concurrency = Self.settings()
        concurrency.concurrency = 9
        #expect(try key(document, concurrency) == base)
    }

    @Test("A partial over the cap is truncated to it at a character boundary, and marked")
    func truncation() throws {
        let plan = try MapReducePlan(
            document: sampleDocument(paragraphs: 50), settings: Self.settings(window: 700, chunk: 150, output: 100),
            tokenizer: testTokenizer)
        let long = String(repeating: "Ünïcödé notes — 価格は高い。", count: 200)
        let fitted = plan.fitted(long)
        #expect(fitted.truncated)
        #expect(fitted.tokens <= plan.partialCap)
        #expect(testTokenizer.count(fitted.text) == fitted.tokens)
        #expect(fitted.text.hasSuffix("[… notes truncated to fit the context window]"))
        #expect(!fitted.text.contains("\u{FFFD}"))
        let short = plan.fitted("short notes")
        #expect(!short.truncated && short.text == "short notes")
    }
}

@Suite("MapReduce grouping: reduce levels always end")
struct MapReduceGroupingTests {
    @Test("Groups are consecutive, cover every partial once and fit the room")
    func groupsFit() {
        let sizes = [40, 10, 30, 45, 5, 5, 5, 20]
        let groups = ReduceGrouping.groups(sizes: sizes, room: 100, perItem: 2)
        #expect(groups.first?.lowerBound == 0 && groups.last?.upperBound == sizes.count)
        #expect(zip(groups, groups.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        for group in groups where group.count > 1 {
            #expect(sizes[group].reduce(0) { $0 + $1 + 2 } <= 100)
        }
    }

    @Test("Random partial sizes, outputs as large as the cap or over it: every level shrinks, the last is one call")
    func terminates() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let room = Int.random(in: 20...2_000, using: &generator)
            let perItem = Int.random(in: 0...5, using: &generator)
            let count = Int.random(in: 2...300, using: &generator)
            let sizes = (0..<count).map { _ in Int.random(in: 0...(room * 3), using: &generator) }
            let output = Int.random(in: 1...(room * 2), using: &generator)
            let result = ReduceGrouping.simulate(sizes: sizes, room: room, perItem: perItem, overhead: 10, outputTokens: output)
            #expect(result.callsPerLevel.last == 1)
            #expect(result.callsPerLevel.count <= 64)
        }
    }

    @Test("A lone partial too big for any call still ends: it is cut to the cap, then paired")
    func onePartialTooBig() {
        let result = ReduceGrouping.simulate(sizes: [10_000, 10], room: 100, perItem: 1, overhead: 5, outputTokens: 30)
        #expect(result.callsPerLevel == [1])
        #expect(result.inputTokens == 5 + (49 + 1) + (10 + 1))
        // Without the cap, an oversized size gets a group of its own rather than looping.
        #expect(ReduceGrouping.groups(sizes: [500, 500, 3], room: 100, perItem: 0) == [0..<1, 1..<2, 2..<3])
    }
}
