import Crypto
import Foundation

/// Reads a tiktoken rank file (`base64(token) SPACE rank LF`, ranks 0..<N in order) from the
/// package resources, after checking it is byte-for-byte the official file.
enum VocabularyLoader {
    /// Loads from `file`, or from the package resources when it is nil.
    static func load(_ encoding: EncodingName, file: URL? = nil) throws -> RankTable {
        let name = encoding.rawValue
        guard
            let url = file
                ?? Bundle.module.url(forResource: name, withExtension: "tiktoken", subdirectory: "Resources")
                ?? Bundle.module.url(forResource: name, withExtension: "tiktoken")
        else {
            throw TokenizerError.vocabularyMissing(encoding: name)
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.vocabularyUnreadable(encoding: name, reason: "\(error)")
        }
        let actual = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        guard actual == encoding.expectedSHA256 else {
            throw TokenizerError.vocabularyHashMismatch(
                encoding: name, expected: encoding.expectedSHA256, actual: actual)
        }
        return try parse(data, encoding: name)
    }

    static func parse(_ data: Data, encoding: String) throws -> RankTable {
        var tokenBytes: [UInt8] = []
        tokenBytes.reserveCapacity(data.count / 2)
        var offsets: [Int] = [0]
        let base64Value = Self.base64Value
        let parsed = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Int? in
            let text = raw.bindMemory(to: UInt8.self)
            var line = 0
            var i = 0
            while i < text.count {
                // base64 up to the space
                var chunk: UInt32 = 0
                var filled = 0
                while i < text.count, text[i] != 0x20 {
                    let c = text[i]
                    i += 1
                    if c == UInt8(ascii: "=") { continue }
                    let value = base64Value[Int(c)]
                    guard value != 0xFF else { return line }
                    chunk = chunk << 6 | UInt32(value)
                    filled += 1
                    if filled == 4 {
                        tokenBytes.append(UInt8(truncatingIfNeeded: chunk >> 16))
                        tokenBytes.append(UInt8(truncatingIfNeeded: chunk >> 8))
                        tokenBytes.append(UInt8(truncatingIfNeeded: chunk))
                        chunk = 0
                        filled = 0
                    }
                }
                switch filled {
                case 2: tokenBytes.append(UInt8(truncatingIfNeeded: chunk >> 4))
                case 3:
                    tokenBytes.append(UInt8(truncatingIfNeeded: chunk >> 10))
                    tokenBytes.append(UInt8(truncatingIfNeeded: chunk >> 2))
                case 0: break
                default: return line
                }
                guard i < text.count else { return line }
                i += 1
                // the rank, which must equal the line number
                var rank = 0
                var digits = 0
                while i < text.count, text[i] != 0x0A {
                    let d = Int(text[i]) - 48
                    guard d >= 0, d <= 9, digits < 10 else { return line }
                    rank = rank * 10 + d
                    digits += 1
                    i += 1
                }
                i += 1
                guard digits > 0, rank == line, tokenBytes.count > offsets[offsets.count - 1] else { return line }
                offsets.append(tokenBytes.count)
                line += 1
            }
            return nil
        }
        if let line = parsed {
            throw TokenizerError.vocabularyMalformed(encoding: encoding, line: line + 1)
        }
        guard let table = RankTable(tokenBytes: tokenBytes, tokenOffsets: offsets) else {
            throw TokenizerError.vocabularyMalformed(encoding: encoding, line: offsets.count)
        }
        return table
    }

    private static let base64Value: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(c)] = UInt8(i)
        }
        return table
    }()
}
