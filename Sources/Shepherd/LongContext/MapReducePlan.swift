import Crypto
import Foundation
import ShepherdCore
import ShepherdRouting
import ShepherdTokenizer

/// A document cut into chunks for a task, with the room each call has and the estimate of
/// the whole run. Building a plan calls no model; ``MapReduceRunner`` carries it out.
public struct MapReducePlan: Sendable {
    /// The settings as run: `chunkTokens` lowered to what the window leaves.
    public let settings: MapReduceSettings
    public let prompts: MapReducePrompts
    public let tokenizer: Tokenizer
    public let chunks: [Chunk]
    public let documentTokens: Int
    /// Tokens of a reduce call's framing (system prompt, roles, reply priming).
    public let reduceOverhead: Int
    /// Tokens each partial adds to a reduce call besides its own: the separator and a margin
    /// for BPE merging across the seams.
    public let perPartial: Int
    /// Identifies document, task, model, chunking and prompts: a checkpoint written under
    /// another key never supplies results to this plan.
    public let key: String
    public let estimate: MapReduceEstimate

    /// Document tokens a reduce call may carry.
    public var reduceRoom: Int { settings.contextWindow - reduceOverhead }
    /// The most tokens one partial keeps when reduced; longer ones are truncated.
    public var partialCap: Int { ReduceGrouping.itemCap(room: reduceRoom, perItem: perPartial) }

    public init(document: String, settings requested: MapReduceSettings, tokenizer: Tokenizer) throws {
        try Self.validate(requested)
        guard !document.isEmpty else { throw MapReducePlanError.emptyDocument }
        let sizer = PromptSizer(tokenizer: tokenizer)
        let probe = MapReducePrompts(settings: requested)
        // Framing at its largest: the longest part numbers, the longer of the two reduce wordings.
        let mapOverhead = max(
            sizer.size(of: probe.map(chunk: "", index: 999_998, of: 999_999)).total,
            sizer.size(of: probe.single(document: "")).total)
        let reduceOverhead = max(
            sizer.size(of: probe.reduce(partials: [], final: true)).total,
            sizer.size(of: probe.reduce(partials: [], final: false)).total)
        let perPartial = tokenizer.count(MapReducePrompts.separator) + 2

        var settings = requested
        settings.chunkTokens = min(requested.chunkTokens, requested.contextWindow - mapOverhead)
        guard settings.chunkTokens >= 16 else {
            throw MapReducePlanError.windowTooSmall(
                window: requested.contextWindow, needed: mapOverhead + 16, why: "a map call of a 16-token chunk")
        }
        guard settings.overlap < settings.chunkTokens else {
            throw MapReducePlanError.invalidSetting(
                "--overlap \(settings.overlap) must be less than the chunk size \(settings.chunkTokens)")
        }
        let neededForReduce = reduceOverhead + 2 * (settings.maxOutputTokens + perPartial)
        guard settings.contextWindow >= neededForReduce else {
            throw MapReducePlanError.windowTooSmall(
                window: settings.contextWindow, needed: neededForReduce,
                why: "a reduce call of two partial results of \(settings.maxOutputTokens) output tokens")
        }

        let chunker = try Chunker(tokenizer: tokenizer, maxTokens: settings.chunkTokens, overlap: settings.overlap)
        var chunks: [Chunk] = []
        let summary = try chunker.forEachChunk(of: document) { chunks.append($0) }

        self.settings = settings
        self.prompts = MapReducePrompts(settings: settings)
        self.tokenizer = tokenizer
        self.chunks = chunks
        self.documentTokens = summary.documentTokens
        self.reduceOverhead = reduceOverhead
        self.perPartial = perPartial
        self.key = Self.key(document: document, settings: settings, encoding: tokenizer.encoding)

        let output = settings.maxOutputTokens
        let mapInput = chunks.reduce(0) { $0 + $1.tokenCount + mapOverhead }
        if chunks.count == 1 {
            estimate = MapReduceEstimate(
                chunks: 1, mapCalls: 1, reduceCalls: 0, reduceCallsPerLevel: [], inputTokens: mapInput,
                outputTokens: output)
        } else {
            let reduce = ReduceGrouping.simulate(
                sizes: Array(repeating: output, count: chunks.count), room: settings.contextWindow - reduceOverhead,
                perItem: perPartial, overhead: reduceOverhead, outputTokens: output)
            let reduceCalls = reduce.callsPerLevel.reduce(0, +)
            estimate = MapReduceEstimate(
                chunks: chunks.count, mapCalls: chunks.count, reduceCalls: reduceCalls,
                reduceCallsPerLevel: reduce.callsPerLevel, inputTokens: mapInput + reduce.inputTokens,
                outputTokens: (chunks.count + reduceCalls) * output)
        }
    }

    /// `text` held to ``partialCap`` tokens: cut at a token boundary (whole UTF-8 characters
    /// only) and marked as cut, so the reduce call knows the notes are incomplete.
    public func fitted(_ text: String) -> (text: String, tokens: Int, truncated: Bool) {
        let tokens = tokenizer.count(text)
        guard tokens > partialCap else { return (text, tokens, false) }
        let marker = "\n[… notes truncated to fit the context window]"
        let ids = tokenizer.encode(text)
        var keep = max(partialCap - tokenizer.count(marker) - 1, 0)
        while true {
            let cut = Self.wholeCharacters(tokenizer.decodeBytes(Array(ids.prefix(keep)))) + marker
            let count = tokenizer.count(cut)
            if count <= partialCap || keep == 0 { return (cut, count, true) }
            keep -= count - partialCap
            keep = max(keep, 0)
        }
    }

    private static func validate(_ settings: MapReduceSettings) throws {
        guard !settings.task.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw MapReducePlanError.emptyTask
        }
        guard !settings.model.isEmpty else { throw MapReducePlanError.invalidSetting("the model name is empty") }
        for (name, value, least) in [
            ("--chunk-tokens", settings.chunkTokens, 16), ("--overlap", settings.overlap, 0),
            ("--max-output-tokens", settings.maxOutputTokens, 1), ("--concurrency", settings.concurrency, 1),
            ("--window", settings.contextWindow, 1),
        ] where value < least {
            throw MapReducePlanError.invalidSetting("\(name) must be at least \(least) (got \(value))")
        }
    }

    /// The longest prefix of `bytes` that ends on a whole UTF-8 character, as a string.
    static func wholeCharacters(_ bytes: [UInt8]) -> String {
        var end = bytes.count
        var back = end - 1
        while back >= 0, back > end - 4, bytes[back] & 0xC0 == 0x80 { back -= 1 }
        if back >= 0 {
            let lead = bytes[back]
            let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            if back + length > end { end = back }
        }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    static func key(document: String, settings: MapReduceSettings, encoding: EncodingName) -> String {
        var hasher = SHA256()
        func field(_ text: String) {
            var length = UInt64(text.utf8.count).littleEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            hasher.update(data: Data(text.utf8))
        }
        field("shepherd-analyze/\(MapReducePrompts.version)")
        field(document)
        field(settings.task)
        field(settings.model)
        field(encoding.rawValue)
        field("\(settings.chunkTokens)/\(settings.overlap)/\(settings.maxOutputTokens)/\(settings.temperature ?? -1)")
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
