import Foundation

/// The few parts of a log line the audit reads. Usage logs carry large payloads (messages,
/// choices, candidates) the audit never looks at, so the scanner validates those without
/// building them and keeps only members whose key is in ``UsageJSONScanner/keptKeys``.
indirect enum UsageJSON: Sendable {
    /// Members in order. An array, not a dictionary: a kept object has a handful of members,
    /// and hashing every key was the largest cost of a line.
    case object([(key: String, value: UsageJSON)])
    case string(String)
    case int(Int)
    case double(Double)
    /// `true`, `false`, `null`, arrays and members that were skipped.
    case other

    subscript(key: String) -> UsageJSON? {
        if case .object(let members) = self { return members.last(where: { $0.key == key })?.value }
        return nil
    }

    /// Follows a dotted path of object keys.
    subscript(path path: [String]) -> UsageJSON? {
        var node: UsageJSON? = self
        for key in path { node = node?[key] }
        return node
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// A whole number; also an integral JSON float (`12.0`) and a digit string (`"12"`), which
    /// some exporters write for token counts.
    var int: Int? {
        switch self {
        case .int(let value): return value
        case .double(let value):
            guard value.rounded() == value, abs(value) < 9e15 else { return nil }
            return Int(value)
        case .string(let text): return Int(text)
        default: return nil
        }
    }

    var number: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }
}

/// Why a line is not JSON; the offset is not reported (the line number is enough).
struct UsageJSONError: Error {}

/// A strict, allocation-light JSON parser over one line's bytes.
struct UsageJSONScanner: ~Copyable {
    /// Keys worth keeping, at any depth. Everything else is validated and dropped.
    static let keptKeys: Set<String> = [
        "model", "modelVersion", "public_model", "target_model", "provider", "custom_llm_provider", "type", "id",
        "usage", "usageMetadata", "response", "body",
        "prompt_tokens", "completion_tokens", "prompt_tokens_details", "cached_tokens",
        "input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "cached_input_tokens",
        "promptTokenCount", "candidatesTokenCount", "cachedContentTokenCount", "thoughtsTokenCount",
        "spend", "created", "startTime", "time", "timestamp",
    ]
    /// Deep enough for any log; a line nested deeper is refused rather than risking the stack.
    private static let maxDepth = 128

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Parses one complete JSON value filling the whole buffer (surrounding whitespace allowed).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(UsageJSONError) -> UsageJSON {
        var scanner = UsageJSONScanner(bytes)
        scanner.skipWhitespace()
        let value = try scanner.value(depth: 0, keep: true)
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw UsageJSONError() }
        return value
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8) throws(UsageJSONError) {
        guard peek() == byte else { throw UsageJSONError() }
        index += 1
    }

    /// `keep` false scans the value for validity only.
    private mutating func value(depth: Int, keep: Bool) throws(UsageJSONError) -> UsageJSON {
        guard depth < Self.maxDepth, let byte = peek() else { throw UsageJSONError() }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth, keep: keep)
        case UInt8(ascii: "["):
            try skipArray(depth: depth)
            return .other
        case UInt8(ascii: "\""):
            guard keep else {
                try skipString()
                return .other
            }
            return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .other
        case UInt8(ascii: "f"): try literal("false"); return .other
        case UInt8(ascii: "n"): try literal("null"); return .other
        default: return try number(keep: keep)
        }
    }

    private mutating func object(depth: Int, keep: Bool) throws(UsageJSONError) -> UsageJSON {
        index += 1
        var members: [(key: String, value: UsageJSON)] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return keep ? .object(members) : .other
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw UsageJSONError() }
            var key: String?
            if keep { key = try keptKey() } else { try skipString() }
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let member = try value(depth: depth + 1, keep: key != nil)
            if let key { members.append((key, member)) }
            skipWhitespace()
            guard let next = peek() else { throw UsageJSONError() }
            index += 1
            if next == UInt8(ascii: "}") { break }
            guard next == UInt8(ascii: ",") else { throw UsageJSONError() }
        }
        return keep ? .object(members) : .other
    }

    private mutating func skipArray(depth: Int) throws(UsageJSONError) {
        index += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            _ = try value(depth: depth + 1, keep: false)
            skipWhitespace()
            guard let next = peek() else { throw UsageJSONError() }
            index += 1
            if next == UInt8(ascii: "]") { return }
            guard next == UInt8(ascii: ",") else { throw UsageJSONError() }
        }
    }

    private mutating func literal(_ word: StaticString) throws(UsageJSONError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw UsageJSONError() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw UsageJSONError() }
        index += count
    }

    private mutating func number(keep: Bool) throws(UsageJSONError) -> UsageJSON {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), isDigit(first) else { throw UsageJSONError() }
        if first == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        var integral = true
        if peek() == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard let digit = peek(), isDigit(digit) else { throw UsageJSONError() }
            skipDigits()
        }
        if let exponent = peek(), exponent == UInt8(ascii: "e") || exponent == UInt8(ascii: "E") {
            integral = false
            index += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek(), isDigit(digit) else { throw UsageJSONError() }
            skipDigits()
        }
        guard keep else { return .other }
        if integral, index - start <= 18 {
            // Up to 18 digits cannot overflow: the common case, without making a String.
            var value = 0
            let negative = bytes[start] == UInt8(ascii: "-")
            for position in (negative ? start + 1 : start)..<index { value = value * 10 + Int(bytes[position] &- 0x30) }
            return .int(negative ? -value : value)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        // Integers too large for Int fall back to Double, which the shapes then refuse as tokens.
        if integral, let value = Int(text) { return .int(value) }
        guard let value = Double(text) else { throw UsageJSONError() }
        return .double(value)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { index += 1 }
    }

    /// Kept keys as bytes, indexed by length, so that the keys of every member need not become
    /// Strings just to be looked up and dropped: this is most of the work on a typical line.
    private static let keptKeyBytes: [[(bytes: [UInt8], key: String)]] = {
        var table = Array(repeating: [(bytes: [UInt8], key: String)](), count: 33)
        for key in keptKeys { table[key.utf8.count].append((Array(key.utf8), key)) }
        return table
    }()

    /// Scans an object key; returns it when it is one of ``keptKeys``.
    private mutating func keptKey() throws(UsageJSONError) -> String? {
        let start = index + 1
        let end = try skipString()
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
        if memchr(raw.baseAddress!, Int32(UInt8(ascii: "\\")), raw.count) != nil {
            // An escaped key: rare enough to decode the slow way.
            index = start - 1
            let key = try string()
            return Self.keptKeys.contains(key) ? key : nil
        }
        guard raw.count < Self.keptKeyBytes.count else { return nil }
        for candidate in Self.keptKeyBytes[raw.count] where memcmp(candidate.bytes, raw.baseAddress!, raw.count) == 0 {
            return candidate.key
        }
        return nil
    }

    /// Skips a string from its opening quote and returns the index of its closing quote. Only
    /// looks for the closing quote (memchr), since a skipped string's content is never used.
    @discardableResult
    private mutating func skipString() throws(UsageJSONError) -> Int {
        guard let base = bytes.baseAddress else { throw UsageJSONError() }
        var position = index + 1
        while position < bytes.count {
            guard let found = memchr(base + position, Int32(UInt8(ascii: "\"")), bytes.count - position) else { break }
            let quote = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            var backslashes = 0
            while quote - backslashes - 1 >= index + 1, bytes[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 {
                index = quote + 1
                return quote
            }
            position = quote + 1
        }
        throw UsageJSONError()
    }

    /// Decodes a string starting at its opening quote. It must be valid UTF-8 without raw
    /// control characters (binary garbage is refused here).
    private mutating func string() throws(UsageJSONError) -> String {
        index += 1
        let start = index
        var escaped = false
        while true {
            guard index < bytes.count else { throw UsageJSONError() }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw UsageJSONError() }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 2
                continue
            }
            index += 1
        }
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
        index += 1
        guard let text = String(validating: raw, as: UTF8.self) else { throw UsageJSONError() }
        return escaped ? try Self.unescape(text) : text
    }

    /// Decodes escapes by handing the quoted text to Foundation: rare in the keys and model
    /// names the audit keeps, so the slow path is fine.
    private static func unescape(_ text: String) throws(UsageJSONError) -> String {
        let quoted = Data("\"\(text)\"".utf8)
        guard let value = try? JSONSerialization.jsonObject(with: quoted, options: .fragmentsAllowed) as? String else {
            throw UsageJSONError()
        }
        return value
    }
}
