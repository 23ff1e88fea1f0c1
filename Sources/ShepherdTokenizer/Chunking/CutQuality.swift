/// How natural a place a byte offset is to end a chunk. Later cases are better.
enum CutQuality: Int, Comparable {
    case hard, line, sentence, paragraph

    static func < (lhs: CutQuality, rhs: CutQuality) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Whitespace and closers are looked at this far around a cut, no further, so a huge run
    /// of spaces cannot make classifying each candidate cost the length of the run.
    private static let lookaround = 64

    /// The quality of cutting `bytes` at `offset` (between `bytes[offset - 1]` and
    /// `bytes[offset]`). The tokenizer often puts the whitespace after a sentence at the start
    /// of the next token (`"."`, `" Next"`), so the whitespace run *around* the cut counts, not
    /// only what precedes it.
    static func at(_ offset: Int, in bytes: [UInt8]) -> CutQuality {
        var newlines = 0
        var before = offset
        let lowest = max(0, offset - lookaround)
        while before > lowest, isSpace(bytes[before - 1]) {
            if bytes[before - 1] == UInt8(ascii: "\n") { newlines += 1 }
            before -= 1
        }
        var after = offset
        let highest = min(bytes.count, offset + lookaround)
        while after < highest, isSpace(bytes[after]) {
            if bytes[after] == UInt8(ascii: "\n") { newlines += 1 }
            after += 1
        }
        // A blank line: two line feeds with only whitespace between them.
        if newlines >= 2 { return .paragraph }
        let whitespaceFollows = after > before || offset == bytes.count
        if endsSentence(before: before, in: bytes, whitespaceFollows: whitespaceFollows) { return .sentence }
        return newlines == 1 ? .line : .hard
    }

    /// Whether the text before `end` ends a sentence: `.`, `!` or `?` followed by whitespace
    /// (so `3.14` and `e.g.x` do not count), or a CJK full stop, exclamation or question mark,
    /// which need no space; closing quotes and brackets after the mark are allowed.
    private static func endsSentence(before end: Int, in bytes: [UInt8], whitespaceFollows: Bool) -> Bool {
        var end = end
        let lowest = max(0, end - lookaround)
        while end > lowest, let length = closerLength(endingAt: end, in: bytes) { end -= length }
        guard end > 0 else { return false }
        switch bytes[end - 1] {
        case UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "?"):
            return whitespaceFollows
        default:
            return end >= 3 && cjkTerminators.contains { bytes[(end - 3)..<end].elementsEqual($0) }
        }
    }

    /// Offsets strictly inside `range` that directly follow a CJK 。！？: cuts that are sentence
    /// ends although o200k_base puts no token boundary there (it merges the mark with the next
    /// word). They fall after a whole character, so they are clean.
    static func cjkSentenceEnds(inside range: Range<Int>, of bytes: [UInt8]) -> [Int] {
        guard range.count > 3 else { return [] }
        var ends: [Int] = []
        for offset in (range.lowerBound + 3)..<range.upperBound
        where cjkTerminators.contains(where: { bytes[(offset - 3)..<offset].elementsEqual($0) }) {
            ends.append(offset)
        }
        return ends
    }

    /// 。！？ in UTF-8.
    private static let cjkTerminators: [[UInt8]] = [[0xE3, 0x80, 0x82], [0xEF, 0xBC, 0x81], [0xEF, 0xBC, 0x9F]]

    /// ” ’ 」 』 ） in UTF-8 (the ASCII closers are checked byte by byte).
    private static let closers: [[UInt8]] = [
        [0xE2, 0x80, 0x9D], [0xE2, 0x80, 0x99], [0xE3, 0x80, 0x8D], [0xE3, 0x80, 0x8F], [0xEF, 0xBC, 0x89],
    ]

    /// The byte length of a closing quote or bracket ending at `end`, if there is one.
    private static func closerLength(endingAt end: Int, in bytes: [UInt8]) -> Int? {
        switch bytes[end - 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: ")"), UInt8(ascii: "]"):
            return 1
        default:
            guard end >= 3 else { return nil }
            return closers.contains { bytes[(end - 3)..<end].elementsEqual($0) } ? 3 : nil
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}
