import Foundation

/// Where each top-level member of a JSON object sits in the raw bytes.
///
/// The gateway forwards request bodies as the client wrote them: only the members it must
/// change (`model`) are spliced, so numbers, key order and fields it does not know
/// survive byte for byte. The scan also validates the whole document's syntax.
public struct TopLevelJSON: Sendable {
    public struct Member: Sendable {
        public var key: String
        /// Byte range of the value, from its first to one past its last byte.
        public var valueRange: Range<Int>
    }

    public private(set) var members: [Member] = []

    public init(_ bytes: some Collection<UInt8>) throws(JSONSyntaxError) {
        let scanner = JSONScanner(Array(bytes))
        members = try scanner.topLevelMembers()
    }

    public init(bytes: [UInt8]) throws(JSONSyntaxError) {
        members = try JSONScanner(bytes).topLevelMembers()
    }

    public func range(of key: String) -> Range<Int>? {
        members.last(where: { $0.key == key })?.valueRange
    }

    /// The bytes with the value of `key` replaced by `json`, or `json` appended as a new
    /// member when the key is absent.
    public func replacing(_ key: String, with json: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        if let range = range(of: key) {
            var out = [UInt8]()
            out.reserveCapacity(bytes.count + json.count)
            out.append(contentsOf: bytes[..<range.lowerBound])
            out.append(contentsOf: json)
            out.append(contentsOf: bytes[range.upperBound...])
            return out
        }
        guard let close = bytes.lastIndex(of: UInt8(ascii: "}")) else { return bytes }
        var writer = JSONWriter()
        writer.string(key)
        var out = Array(bytes[..<close])
        if !members.isEmpty { out.append(UInt8(ascii: ",")) }
        out.append(contentsOf: writer.bytes)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: json)
        out.append(contentsOf: bytes[close...])
        return out
    }
}

public struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "malformed JSON at byte \(offset): \(reason)" }
}

/// A validating single-pass JSON scanner over bytes (RFC 8259), used where the gateway needs
/// positions rather than values.
struct JSONScanner {
    private let bytes: [UInt8]
    private var index = 0
    /// Nesting deeper than this is refused rather than risking the stack.
    private static let maxDepth = 512

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    consuming func topLevelMembers() throws(JSONSyntaxError) -> [TopLevelJSON.Member] {
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { throw error("the body must be a JSON object") }
        index += 1
        var members: [TopLevelJSON.Member] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                let key = try scanString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                let start = index
                try scanValue(depth: 1)
                members.append(.init(key: key, valueRange: start..<index))
                skipWhitespace()
                if peek() == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "}"))
                break
            }
        }
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected data after the object") }
        return members
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private func error(_ reason: String) -> JSONSyntaxError { JSONSyntaxError(offset: index, reason: reason) }

    private mutating func expect(_ byte: UInt8) throws(JSONSyntaxError) {
        guard peek() == byte else {
            throw error("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        index += 1
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func scanValue(depth: Int) throws(JSONSyntaxError) {
        guard depth < Self.maxDepth else { throw error("nested too deeply") }
        guard let byte = peek() else { throw error("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"):
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") { index += 1; return }
            while true {
                skipWhitespace()
                try skipString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                try scanValue(depth: depth + 1)
                skipWhitespace()
                if peek() == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "}"))
                return
            }
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { index += 1; return }
            while true {
                skipWhitespace()
                try scanValue(depth: depth + 1)
                skipWhitespace()
                if peek() == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "]"))
                return
            }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try scanNumber()
        default: throw error("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of input") }
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        for offset in 0..<count where bytes[index + offset] != expected[offset] {
            throw error("invalid literal")
        }
        index += count
    }

    private mutating func scanNumber() throws(JSONSyntaxError) {
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), first >= 0x30, first <= 0x39 else { throw error("invalid number") }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let digit = peek(), digit >= 0x30, digit <= 0x39 else { throw error("invalid number") }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek(), digit >= 0x30, digit <= 0x39 else { throw error("invalid number") }
            skipDigits()
        }
    }

    private mutating func skipDigits() {
        while let byte = peek(), byte >= 0x30, byte <= 0x39 { index += 1 }
    }

    /// Skips a string, checking escapes and rejecting raw control characters.
    private mutating func skipString() throws(JSONSyntaxError) {
        _ = try scanString(decode: false)
    }

    private mutating func scanString(decode: Bool = true) throws(JSONSyntaxError) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a string") }
        index += 1
        let start = index
        // The usual string has no escape: found with memchr, checked in one tight pass (a 1 MB
        // data URI went byte by byte through the loop below).
        if let quote = bytes.firstIndex(of: UInt8(ascii: "\""), from: index),
            bytes.firstIndex(of: UInt8(ascii: "\\"), from: index, to: quote) == nil,
            bytes.allAtLeastSpace(start..<quote)
        {
            index = quote + 1
            return decode ? String(decoding: bytes[start..<quote], as: UTF8.self) : ""
        }
        var hasEscape = false
        while true {
            guard index < bytes.count else { throw error("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw error("control character in string") }
            if byte == UInt8(ascii: "\\") {
                hasEscape = true
                index += 1
                guard let escaped = peek() else { throw error("unterminated string") }
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                    UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 1
                case UInt8(ascii: "u"):
                    guard index + 4 < bytes.count,
                        bytes[(index + 1)...(index + 4)].allSatisfy({ $0.isHexDigit })
                    else { throw error("invalid \\u escape") }
                    index += 5
                default: throw error("invalid escape")
                }
                continue
            }
            index += 1
        }
        let end = index
        index += 1
        guard decode else { return "" }
        if !hasEscape { return String(decoding: bytes[start..<end], as: UTF8.self) }
        return JSONScanner.unescape(bytes[start..<end])
    }

    /// Decodes a string body with escapes (only keys need this, and keys rarely have them).
    static func unescape(_ raw: ArraySlice<UInt8>) -> String {
        var quoted = [UInt8(ascii: "\"")]
        quoted.append(contentsOf: raw)
        quoted.append(UInt8(ascii: "\""))
        let value = try? JSONSerialization.jsonObject(with: Data(quoted), options: .fragmentsAllowed)
        return value as? String ?? String(decoding: raw, as: UTF8.self)
    }
}

extension [UInt8] {
    /// memchr over `self[from..<to]` (to the end when `to` is nil).
    package func firstIndex(of byte: UInt8, from: Int, to: Int? = nil) -> Int? {
        let end = Swift.min(to ?? count, count)
        guard from < end else { return nil }
        return withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress, let found = memchr(base + from, Int32(byte), end - from) else { return nil }
            return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
        }
    }

    /// Whether no byte in `range` is a control character (JSON strings may not hold them raw).
    func allAtLeastSpace(_ range: Range<Int>) -> Bool {
        withUnsafeBufferPointer { buffer in
            var smallest: UInt8 = 0xFF
            for byte in UnsafeBufferPointer(rebasing: buffer[range]) { smallest = Swift.min(smallest, byte) }
            return smallest >= 0x20
        }
    }
}

extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
