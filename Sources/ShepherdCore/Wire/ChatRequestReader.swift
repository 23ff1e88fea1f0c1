import Foundation

/// Reads a Chat Completions request straight from its bytes into ``ChatCompletionRequest``,
/// without going through `JSONDecoder` (which was 6-8 % of the gateway's CPU per small request
/// and most of the cost of a 1 MB image request).
///
/// It is a fast path, not a second definition of the format: it takes only documents it
/// understands completely and returns nil for anything else (a wrong type, a value it would
/// have to judge, a duplicate member, invalid UTF-8), and then ``InboundChatRequest`` decodes
/// with `JSONDecoder` as before, which accepts the same documents and words every error. Parts
/// other than text and image URLs, tool calls, tools and the free-form members are decoded by
/// `JSONDecoder` from their own bytes, so their rules live in one place. The syntax of the
/// whole body has been checked by ``TopLevelJSON`` before this runs.
struct ChatRequestReader {
    private let bytes: [UInt8]
    private var index: Int
    private let end: Int

    /// Bailing out: the slow path decides.
    struct Unsure: Error {}

    private static let decoder = JSONDecoder()

    init(_ bytes: [UInt8], _ range: Range<Int>) {
        self.bytes = bytes
        self.index = range.lowerBound
        self.end = range.upperBound
    }

    /// The request, or nil when `JSONDecoder` must decide.
    static func read(_ body: [UInt8], layout: TopLevelJSON) -> ChatCompletionRequest? {
        try? read(body, members: layout.members)
    }

    private static func read(_ body: [UInt8], members: [TopLevelJSON.Member]) throws(Unsure) -> ChatCompletionRequest {
        // Values skipped here are not decoded, so the whole body's encoding is checked once.
        guard isValidUTF8(body) else { throw Unsure() }
        var model: String?
        var messages: [ChatMessage]?
        var seen = SeenKeys()
        var request = ChatCompletionRequest(model: "", messages: [])
        for member in members {
            // Which of two equal keys a decoder keeps is its own choice: leave it to it.
            guard seen.insert(member.key) else { throw Unsure() }
            var reader = ChatRequestReader(body, member.valueRange)
            switch member.key {
            case "model": model = try reader.string()
            case "messages": messages = try reader.array { reader throws(Unsure) in try reader.message() }
            case "stream": request.stream = try reader.optional { reader throws(Unsure) in try reader.bool() }
            case "stream_options": request.streamOptions = try reader.optional { reader throws(Unsure) in try reader.streamOptions() }
            case "user": request.user = try reader.optional { reader throws(Unsure) in try reader.string() }
            case "max_tokens": request.maxTokens = try reader.optional { reader throws(Unsure) in try reader.integer() }
            case "max_completion_tokens": request.maxCompletionTokens = try reader.optional { reader throws(Unsure) in try reader.integer() }
            case "n": request.n = try reader.optional { reader throws(Unsure) in try reader.integer() }
            case "temperature": request.temperature = try reader.optional { reader throws(Unsure) in try reader.double() }
            case "top_p": request.topP = try reader.optional { reader throws(Unsure) in try reader.double() }
            case "stop": request.stop = try reader.optional { reader throws(Unsure) in try reader.stop() }
            case "tools": request.tools = try reader.decodedIfPresent([Tool].self)
            case "tool_choice": request.toolChoice = try reader.decodedIfPresent(JSONValue.self)
            case "response_format": request.responseFormat = try reader.decodedIfPresent(JSONValue.self)
            default: continue  // passed through untouched, as JSONDecoder ignores it
            }
        }
        guard let model, let messages else { throw Unsure() }
        request.model = model
        request.messages = messages
        return request
    }

    /// ASCII (the usual case) is checked without a copy; anything else by the standard library.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var high: UInt8 = 0
        for byte in bytes { high |= byte }
        return high < 0x80 || String(validating: bytes, as: UTF8.self) != nil
    }

    // MARK: Values

    private mutating func skipWhitespace() {
        while index < end, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < end ? bytes[index] : nil
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    /// `null` reads as nil, as `decodeIfPresent` has it.
    mutating func optional<T>(_ read: (inout ChatRequestReader) throws(Unsure) -> T) throws(Unsure) -> T? {
        if peek() == UInt8(ascii: "n") {
            index += 4  // the syntax check has seen "null"
            return nil
        }
        return try read(&self)
    }

    mutating func array<T>(_ element: (inout ChatRequestReader) throws(Unsure) -> T) throws(Unsure) -> [T] {
        guard consume(UInt8(ascii: "[")) else { throw Unsure() }
        var values: [T] = []
        if consume(UInt8(ascii: "]")) { return values }
        repeat {
            values.append(try element(&self))
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "]")) else { throw Unsure() }
        return values
    }

    /// Calls `member` for each key of an object; `member` reads the value or skips it.
    mutating func object(_ member: (String, inout ChatRequestReader) throws(Unsure) -> Void) throws(Unsure) {
        guard consume(UInt8(ascii: "{")) else { throw Unsure() }
        if consume(UInt8(ascii: "}")) { return }
        var seen = SeenKeys()
        repeat {
            let key = try string()
            guard seen.insert(key), consume(UInt8(ascii: ":")) else { throw Unsure() }
            try member(key, &self)
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "}")) else { throw Unsure() }
    }

    private mutating func bool() throws(Unsure) -> Bool {
        switch peek() {
        case UInt8(ascii: "t"): index += 4; return true
        case UInt8(ascii: "f"): index += 5; return false
        default: throw Unsure()
        }
    }

    /// A plain integer (no fraction or exponent) that fits an `Int`.
    mutating func integer() throws(Unsure) -> Int {
        let text = try numberText()
        guard let value = Int(text) else { throw Unsure() }
        return value
    }

    private mutating func double() throws(Unsure) -> Double {
        guard let value = Double(try numberText()), value.isFinite else { throw Unsure() }
        return value
    }

    private mutating func numberText() throws(Unsure) -> String {
        guard let first = peek(), first == UInt8(ascii: "-") || (0x30...0x39).contains(first) else { throw Unsure() }
        let start = index
        while index < end, Self.isNumberByte(bytes[index]) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): true
        default: false
        }
    }

    /// A string value, escapes decoded; invalid UTF-8 or a lone surrogate is left to JSONDecoder.
    mutating func string() throws(Unsure) -> String {
        guard consume(UInt8(ascii: "\"")) else { throw Unsure() }
        let start = index
        guard let quote = bytes.firstIndex(of: UInt8(ascii: "\""), from: index, to: end) else { throw Unsure() }
        index = bytes.firstIndex(of: UInt8(ascii: "\\"), from: index, to: quote) ?? quote
        if index == quote {
            index += 1
            return text(start..<quote)
        }
        var raw = Array(bytes[start..<index])
        while index < end {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: raw, as: UTF8.self) else { throw Unsure() }
                return text
            case UInt8(ascii: "\\"):
                try unescape(into: &raw)
            default:
                raw.append(byte)
            }
        }
        throw Unsure()
    }

    /// Bytes between two quotes, as text. They are valid UTF-8: every reader's document was
    /// checked whole first, and a quote is never inside a character. Through a buffer pointer:
    /// `String(validating:)` on an `ArraySlice` went through the standard library's generic
    /// validation, with a type-metadata lookup on every string read (sixth pass).
    private func text(_ range: Range<Int>) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    private mutating func unescape(into raw: inout [UInt8]) throws(Unsure) {
        guard index < end else { throw Unsure() }
        let escaped = bytes[index]
        index += 1
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): raw.append(escaped)
        case UInt8(ascii: "b"): raw.append(0x08)
        case UInt8(ascii: "f"): raw.append(0x0C)
        case UInt8(ascii: "n"): raw.append(0x0A)
        case UInt8(ascii: "r"): raw.append(0x0D)
        case UInt8(ascii: "t"): raw.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard index + 1 < end, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { throw Unsure() }
                index += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw Unsure() }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw Unsure() }
            raw.append(contentsOf: String(Character(unicode)).utf8)
        default: throw Unsure()
        }
    }

    private mutating func hex4() throws(Unsure) -> UInt32 {
        guard index + 4 <= end else { throw Unsure() }
        var value: UInt32 = 0
        for byte in bytes[index..<(index + 4)] {
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: throw Unsure()
            }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }

    /// Moves past any value (its syntax was checked by ``TopLevelJSON``) and returns its range.
    mutating func skipValue() throws(Unsure) -> Range<Int> {
        guard let first = peek() else { throw Unsure() }
        let start = index
        switch first {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var inString = false
            while index < end {
                let byte = bytes[index]
                index += 1
                if inString {
                    if byte == UInt8(ascii: "\\") { index += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return start..<index }
                default: break
                }
            }
            throw Unsure()
        default:
            while index < end, !(bytes[index] == UInt8(ascii: ",") || bytes[index] == UInt8(ascii: "}") || bytes[index] == UInt8(ascii: "]")
                || bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09)
            {
                index += 1
            }
        }
        return start..<index
    }

    /// The next value decoded by JSONDecoder from its own bytes (null is nil).
    private mutating func decodedIfPresent<T: Decodable>(_ type: T.Type) throws(Unsure) -> T? {
        try optional { reader throws(Unsure) in try reader.decoded(type) }
    }

    private mutating func decoded<T: Decodable>(_ type: T.Type) throws(Unsure) -> T {
        let range = try skipValue()
        do {
            return try Self.decoder.decode(type, from: Data(bytes[range]))
        } catch {
            throw Unsure()
        }
    }

    // MARK: The request's own shapes

    private mutating func message() throws(Unsure) -> ChatMessage {
        var role: ChatMessage.Role?
        var content: MessageContent?
        var name: String?
        var toolCalls: [ToolCall]?
        var toolCallID: String?
        try object { key, reader throws(Unsure) in
            switch key {
            case "role":
                guard let value = ChatMessage.Role(rawValue: try reader.string()) else { throw Unsure() }
                role = value
            case "content": content = try reader.optional { reader throws(Unsure) in try reader.content() }
            case "name": name = try reader.optional { reader throws(Unsure) in try reader.string() }
            case "tool_calls": toolCalls = try reader.decodedIfPresent([ToolCall].self)
            case "tool_call_id": toolCallID = try reader.optional { reader throws(Unsure) in try reader.string() }
            default: _ = try reader.skipValue()
            }
        }
        // ChatMessage's own rules; their errors are JSONDecoder's to word.
        guard let role, content != nil || toolCalls != nil || role == .assistant, role != .tool || toolCallID != nil else {
            throw Unsure()
        }
        return ChatMessage(role: role, content: content, name: name, toolCalls: toolCalls, toolCallID: toolCallID)
    }

    private mutating func content() throws(Unsure) -> MessageContent {
        if peek() == UInt8(ascii: "\"") { return .text(try string()) }
        return .parts(try array { reader throws(Unsure) in try reader.part() })
    }

    /// Text and image parts, which carry the bulk of a request, are read here; any other kind
    /// is decoded by ContentPart's own Decodable from the part's bytes.
    private mutating func part() throws(Unsure) -> ContentPart {
        _ = peek()
        let start = index
        var type: String?
        var text: String?
        var image: ContentPart.ImageURL?
        try object { key, reader throws(Unsure) in
            switch key {
            case "type": type = try reader.string()
            case "text": text = try reader.string()
            case "image_url": image = try reader.imageURL()
            default: _ = try reader.skipValue()
            }
        }
        switch type {
        case "text":
            guard let text else { throw Unsure() }
            return .text(text)
        case "image_url":
            guard let image, ContentPart.acceptsMediaURL(image.url, dataPrefix: "data:image/") else { throw Unsure() }
            return .imageURL(image)
        default:
            var whole = ChatRequestReader(bytes, start..<index)
            return try whole.decoded(ContentPart.self)
        }
    }

    /// `{"url": …, "detail": …}`, or the URL string itself as older SDKs send it.
    private mutating func imageURL() throws(Unsure) -> ContentPart.ImageURL {
        if peek() == UInt8(ascii: "\"") { return ContentPart.ImageURL(url: try string()) }
        var url: String?
        var detail: String?
        try object { key, reader throws(Unsure) in
            switch key {
            case "url": url = try reader.string()
            case "detail": detail = try reader.optional { reader throws(Unsure) in try reader.string() }
            default: _ = try reader.skipValue()
            }
        }
        guard let url else { throw Unsure() }
        return ContentPart.ImageURL(url: url, detail: detail)
    }

    private mutating func streamOptions() throws(Unsure) -> StreamOptions {
        var includeUsage: Bool?
        try object { key, reader throws(Unsure) in
            if key == "include_usage" {
                includeUsage = try reader.optional { reader throws(Unsure) in try reader.bool() }
            } else {
                _ = try reader.skipValue()
            }
        }
        return StreamOptions(includeUsage: includeUsage)
    }

    private mutating func stop() throws(Unsure) -> StopSequences {
        if peek() == UInt8(ascii: "\"") { return StopSequences([try string()]) }
        return StopSequences(try array { reader throws(Unsure) in try reader.string() })
    }
}

// MARK: An answer's usage

extension ChatRequestReader {
    /// An answer's `usage` object read from its bytes, or nil when `JSONDecoder` must decide —
    /// the same bargain as for requests (the gateway reads this on every non-streamed answer,
    /// and `JSONDecoder` was 3-4 % of its CPU for it). `range` is the value's range from a
    /// ``TopLevelJSON`` that has checked the answer's syntax.
    static func usage(in bytes: [UInt8], range: Range<Int>) -> Usage? {
        guard isValidUTF8(Array(bytes[range])) else { return nil }
        var reader = ChatRequestReader(bytes, range)
        return try? reader.usage()
    }

    mutating func usage() throws(Unsure) -> Usage {
        var prompt: Int?
        var completion: Int?
        var total: Int?
        var promptDetails: Usage.PromptDetails?
        var completionDetails: Usage.CompletionDetails?
        try object { key, reader throws(Unsure) in
            switch key {
            case "prompt_tokens": prompt = try reader.optional { reader throws(Unsure) in try reader.integer() }
            case "completion_tokens": completion = try reader.optional { reader throws(Unsure) in try reader.integer() }
            case "total_tokens": total = try reader.optional { reader throws(Unsure) in try reader.integer() }
            case "prompt_tokens_details":
                promptDetails = try reader.optional { reader throws(Unsure) in
                    var details = Usage.PromptDetails(cachedTokens: nil)
                    try reader.object { key, reader throws(Unsure) in
                        switch key {
                        case "cached_tokens": details.cachedTokens = try reader.optional { reader throws(Unsure) in try reader.integer() }
                        case "audio_tokens": details.audioTokens = try reader.optional { reader throws(Unsure) in try reader.integer() }
                        default: _ = try reader.skipValue()
                        }
                    }
                    return details
                }
            case "completion_tokens_details":
                completionDetails = try reader.optional { reader throws(Unsure) in
                    var details = Usage.CompletionDetails()
                    try reader.object { key, reader throws(Unsure) in
                        switch key {
                        case "reasoning_tokens": details.reasoningTokens = try reader.optional { reader throws(Unsure) in try reader.integer() }
                        default: _ = try reader.skipValue()
                        }
                    }
                    return details
                }
            default: _ = try reader.skipValue()
            }
        }
        var usage = Usage(promptTokens: prompt ?? 0, completionTokens: completion ?? 0)
        if let total { usage.totalTokens = total }
        usage.promptTokensDetails = promptDetails
        usage.completionTokensDetails = completionDetails
        return usage
    }
}

extension Usage {
    /// The `usage` value at `range` of an answer whose syntax ``TopLevelJSON`` has checked: read
    /// from the bytes when they are plain, else by `JSONDecoder`; nil when it is not a usage object.
    public static func read(from bytes: [UInt8], range: Range<Int>) -> Usage? {
        ChatRequestReader.usage(in: bytes, range: range) ?? (try? JSONDecoder().decode(Usage.self, from: Data(bytes[range])))
    }
}
