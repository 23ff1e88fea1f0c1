import Foundation
import ShepherdCore

/// Reads what sizing needs from media headers (image dimensions, audio length) without
/// decoding the media, and estimates where a header says nothing.
enum MediaProbe {
    /// The bytes of at most the first `characters` of a base64 text (cut on UTF-8, which is
    /// O(1) on a Substring, where a Character prefix walks grapheme clusters).
    private static func decodedPrefix(of base64: Substring, characters: Int) -> [UInt8]? {
        let cut = String(Substring(base64.utf8.prefix(characters - characters % 4)))
        return Data(base64Encoded: cut.paddedBase64).map { [UInt8]($0) }
    }

    /// Width and height of a PNG, GIF, JPEG or WebP given as a base64 data URI.
    static func imageSize(dataURI: String) -> (Int, Int)? {
        guard let uri = DataURI(dataURI), var bytes = decodedPrefix(of: uri.base64, characters: 64) else { return nil }
        // PNG, GIF and WebP say their size in the first bytes; JPEG's SOF marker may come
        // later, so for JPEG take 64 KB. Never the whole image: it can be megabytes.
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xD8 {
            guard let longer = decodedPrefix(of: uri.base64, characters: 87_384) else { return nil }
            bytes = longer
        }
        if bytes.count >= 24, bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            return (Int(be32(bytes, 16)), Int(be32(bytes, 20)))
        }
        if bytes.count >= 10, bytes.starts(with: Array("GIF".utf8)) {
            return (Int(bytes[6]) | Int(bytes[7]) << 8, Int(bytes[8]) | Int(bytes[9]) << 8)
        }
        if bytes.count >= 30, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) {
            let chunk = String(decoding: bytes[12..<16], as: UTF8.self)
            if chunk == "VP8X" { return (1 + le24(bytes, 24), 1 + le24(bytes, 27)) }
            if chunk == "VP8 ", bytes.count >= 30 { return (Int(le16(bytes, 26)) & 0x3FFF, Int(le16(bytes, 28)) & 0x3FFF) }
            if chunk == "VP8L", bytes.count >= 25 {
                let bits = UInt32(bytes[21]) | UInt32(bytes[22]) << 8 | UInt32(bytes[23]) << 16 | UInt32(bytes[24]) << 24
                return (Int(bits & 0x3FFF) + 1, Int((bits >> 14) & 0x3FFF) + 1)
            }
        }
        if bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 {
            var index = 2
            while index + 9 < bytes.count {
                guard bytes[index] == 0xFF else { return nil }
                let marker = bytes[index + 1]
                let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
                if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC {
                    return (Int(bytes[index + 7]) << 8 | Int(bytes[index + 8]), Int(bytes[index + 5]) << 8 | Int(bytes[index + 6]))
                }
                index += 2 + length
            }
        }
        return nil
    }

    /// Seconds of audio: exact for WAV from its header, else from the size at a typical
    /// bitrate for the format.
    static func audioSeconds(base64: String, format: String) -> Double {
        let bytes = decodedLength(base64)
        if format.lowercased() == "wav", let header = Data(base64Encoded: String(base64.prefix(64)).paddedBase64).map({ [UInt8]($0) }),
            header.count >= 32, header.starts(with: Array("RIFF".utf8))
        {
            let byteRate = Double(le32(header, 28))
            if byteRate > 0 { return max(0, bytes - 44) / byteRate }
        }
        let bytesPerSecond: Double =
            switch format.lowercased() {
            case "pcm16": 48_000
            case "flac": 90_000
            case "opus", "ogg", "webm": 4_000
            default: 16_000  // mp3/aac at 128 kbit/s
            }
        return bytes / bytesPerSecond
    }

    /// Seconds of video from its size at about 1 Mbit/s (no container parsing on the
    /// request path).
    static func videoSeconds(dataURI: String) -> Double {
        guard let uri = DataURI(dataURI) else { return 60 }
        return max(1, decodedLength(uri.base64) / 125_000)
    }

    /// Bytes a base64 text decodes to, without decoding it.
    static func decodedLength(_ base64: some StringProtocol) -> Double {
        let padding = base64.utf8.suffix(2).filter { $0 == UInt8(ascii: "=") }.count
        return Double(base64.utf8.count) * 3 / 4 - Double(padding)
    }

    private static func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }
    private static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    private static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func le24(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 }
}

extension String {
    /// Base64 cut at an arbitrary length, trimmed to whole 4-character groups.
    var paddedBase64: String {
        let usable = utf8.count - utf8.count % 4
        return String(prefix(usable))
    }
}
