import Foundation

/// What the gateway reads from one streamed Chat Completions chunk (the JSON of an SSE `data:`
/// line): choice 0's text and finish reason, and the usage.
///
/// Read from the bytes by ``ChatRequestReader``'s primitives after ``TopLevelJSON`` has checked
/// the syntax; whatever the reader is unsure of goes to `JSONDecoder`, which stays the
/// definition (tests hold the two to the same answers). `JSONDecoder` was 11 % of the gateway's
/// CPU per streamed request, paid on every event before it was forwarded.
public struct StreamChunk: Equatable, Sendable {
    /// Choice 0's non-empty `delta.content`, joined (a chunk normally carries one).
    public var content = ""
    /// Choice 0's last non-null `finish_reason`.
    public var finishReason: String?
    public var usage: Usage?
    /// Whether `choices` has an element: a chunk with usage and no choices is the usage-only
    /// chunk that `stream_options.include_usage` asks for.
    public var hasChoices = false

    public init(content: String = "", finishReason: String? = nil, usage: Usage? = nil, hasChoices: Bool = false) {
        self.content = content
        self.finishReason = finishReason
        self.usage = usage
        self.hasChoices = hasChoices
    }

    /// The chunk, or nil when the payload is not one (`JSONDecoder` refuses it).
    public static func read(_ payload: [UInt8]) -> StreamChunk? {
        fromBytes(payload) ?? decoded(payload)
    }

    /// The fast path alone: nil when it is unsure. Internal so that tests can compare it.
    static func fromBytes(_ payload: [UInt8]) -> StreamChunk? {
        guard let layout = try? TopLevelJSON(bytes: payload), ChatRequestReader.isValidUTF8(payload) else { return nil }
        return try? ChatRequestReader.chunk(payload, members: layout.members)
    }

    /// The slow path, and the definition: what `JSONDecoder` makes of the payload.
    static func decoded(_ payload: [UInt8]) -> StreamChunk? {
        guard let view = try? decoder.decode(View.self, from: Data(payload)) else { return nil }
        var chunk = StreamChunk(usage: view.usage, hasChoices: !(view.choices ?? []).isEmpty)
        for choice in view.choices ?? [] where (choice.index ?? 0) == 0 {
            chunk.add(content: choice.delta?.content, finishReason: choice.finishReason)
        }
        return chunk
    }

    mutating func add(content: String?, finishReason: String?) {
        if let content { self.content += content }
        if let finishReason { self.finishReason = finishReason }
    }

    private static let decoder = JSONDecoder()

    /// The members of a chunk the gateway reads; everything else is ignored.
    private struct View: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable { var content: String? }
            var index: Int?
            var delta: Delta?
            var finishReason: String?
            enum CodingKeys: String, CodingKey {
                case index, delta
                case finishReason = "finish_reason"
            }
        }
        var choices: [Choice]?
        var usage: Usage?
    }
}

extension ChatRequestReader {
    static func chunk(_ payload: [UInt8], members: [TopLevelJSON.Member]) throws(Unsure) -> StreamChunk {
        var chunk = StreamChunk()
        var seen = SeenKeys()
        for member in members {
            guard seen.insert(member.key) else { throw Unsure() }
            var reader = ChatRequestReader(payload, member.valueRange)
            switch member.key {
            case "choices":
                let choices = try reader.optional { reader throws(Unsure) in
                    try reader.array { reader throws(Unsure) in try reader.choice() }
                }
                chunk.hasChoices = !(choices ?? []).isEmpty
                for choice in choices ?? [] where (choice.index ?? 0) == 0 {
                    chunk.add(content: choice.content, finishReason: choice.finishReason)
                }
            case "usage":
                chunk.usage = try reader.optional { reader throws(Unsure) in try reader.usage() }
            default:
                continue
            }
        }
        return chunk
    }

    private mutating func choice() throws(Unsure) -> (index: Int?, content: String?, finishReason: String?) {
        var index: Int?
        var content: String?
        var finishReason: String?
        try object { key, reader throws(Unsure) in
            switch key {
            case "index": index = try reader.optional { reader throws(Unsure) in try reader.integer() }
            case "finish_reason": finishReason = try reader.optional { reader throws(Unsure) in try reader.string() }
            case "delta":
                content = try reader.optional { reader throws(Unsure) -> String? in
                    var content: String?
                    try reader.object { key, reader throws(Unsure) in
                        if key == "content" {
                            content = try reader.optional { reader throws(Unsure) in try reader.string() }
                        } else {
                            _ = try reader.skipValue()
                        }
                    }
                    return content
                } ?? nil
            default: _ = try reader.skipValue()
            }
        }
        return (index, content, finishReason)
    }
}
