/// Shared primitives of the two hand-written pre-tokenizers: decoding scalars from valid UTF-8
/// (a Swift `String`'s storage) and skipping runs of a character class.
struct TextScanner {
    let text: UnsafePointer<UInt8>
    /// End of the segment being split; regex `$` and `(?!\S)` see this as the end of text.
    let end: Int
    /// `ScalarClassTable.shared.classes`
    let classes: UnsafePointer<UInt8>

    /// The class bits and UTF-8 length of the scalar starting at `index`.
    @inline(__always)
    func scalar(at index: Int) -> (cls: UInt8, length: Int) {
        let b0 = text[index]
        if b0 < 0x80 { return (classes[Int(b0)], 1) }
        if b0 < 0xE0 {
            let value = Int(b0 & 0x1F) << 6 | Int(text[index + 1] & 0x3F)
            return (classes[value], 2)
        }
        if b0 < 0xF0 {
            let value = Int(b0 & 0x0F) << 12 | Int(text[index + 1] & 0x3F) << 6 | Int(text[index + 2] & 0x3F)
            return (classes[value], 3)
        }
        let value =
            Int(b0 & 0x07) << 18 | Int(text[index + 1] & 0x3F) << 12
            | Int(text[index + 2] & 0x3F) << 6 | Int(text[index + 3] & 0x3F)
        if value < ScalarClassTable.tableSize { return (classes[value], 4) }
        return (ScalarClass.compute(UInt32(value)), 4)
    }

    /// End of the run of scalars, starting at `index`, that have any bit of `mask`.
    @inline(__always)
    func runEnd(_ mask: UInt8, from index: Int) -> Int {
        var i = index
        while i < end {
            let (cls, length) = scalar(at: i)
            if cls & mask == 0 { break }
            i += length
        }
        return i
    }

    /// End of a run of `[^\s\p{L}\p{N}]` (punctuation, symbols, unassigned, and marks).
    @inline(__always)
    func otherRunEnd(from index: Int) -> Int {
        var i = index
        while i < end {
            let (cls, length) = scalar(at: i)
            if cls & (ScalarClass.space | ScalarClass.letter | ScalarClass.number) != 0 { break }
            i += length
        }
        return i
    }

    /// `\p{N}{1,3}`: at most three number scalars, the first one at `index`.
    @inline(__always)
    func numberEnd(from index: Int) -> Int {
        var i = index
        var taken = 0
        while taken < 3, i < end {
            let (cls, length) = scalar(at: i)
            if cls & ScalarClass.number == 0 { break }
            i += length
            taken += 1
        }
        return i
    }

    /// End of a run of the given ASCII bytes (for `[\r\n]*` and `[\r\n/]*`).
    @inline(__always)
    func byteRunEnd(from index: Int, slash: Bool) -> Int {
        var i = index
        while i < end {
            let b = text[i]
            guard b == 0x0A || b == 0x0D || (slash && b == 0x2F) else { break }
            i += 1
        }
        return i
    }

    /// The whitespace run starting at `index`: its end and where its last scalar starts
    /// (what `\s+(?!\S)` gives back when a non-space follows).
    @inline(__always)
    func whitespaceRun(from index: Int) -> (end: Int, lastStart: Int) {
        var i = index
        var last = index
        while i < end {
            let b = text[i]
            if b == 0x20 {  // plain spaces dominate; skip the table
                last = i
                i += 1
                continue
            }
            let (cls, length) = scalar(at: i)
            if cls & ScalarClass.space == 0 { break }
            last = i
            i += length
        }
        return (i, last)
    }

    /// The last `\r` or `\n` in `from..<to`. Those bytes never occur inside a multi-byte
    /// UTF-8 sequence, so a byte scan is exact.
    @inline(__always)
    func lastNewline(from start: Int, to stop: Int) -> Int? {
        var i = stop - 1
        while i >= start {
            let b = text[i]
            if b == 0x0A || b == 0x0D { return i }
            i -= 1
        }
        return nil
    }

    /// The case-insensitive contraction after an apostrophe at `index - 1`. Unicode simple case
    /// folding maps U+017F (long s) to `s`, so `'ſ` counts too.
    @inline(__always)
    func contractionEnd(afterApostrophe index: Int) -> Int? {
        guard index < end else { return nil }
        let b1 = text[index]
        switch b1 | 0x20 {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            return index + 1
        default:
            break
        }
        if b1 == 0xC5, index + 1 < end, text[index + 1] == 0xBF { return index + 2 }
        guard index + 1 < end else { return nil }
        let pair = (b1 | 0x20, text[index + 1] | 0x20)
        switch pair {
        case (UInt8(ascii: "l"), UInt8(ascii: "l")), (UInt8(ascii: "v"), UInt8(ascii: "e")),
            (UInt8(ascii: "r"), UInt8(ascii: "e")):
            return index + 2
        default:
            return nil
        }
    }
}
