/// o200k_base's pattern, alternative by alternative, in the regex's own order:
///
///     [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|…|'d)?
///     [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|…|'d)?
///     \p{N}{1,3}
///      ?[^\s\p{L}\p{N}]+[\r\n/]*
///     \s*[\r\n]+
///     \s+(?!\S)
///     \s+
///
/// Nothing is possessive here, so each word alternative is resolved the way a backtracking
/// engine would: first with the optional prefix taken, then without it.
struct O200KSplitter: PieceSplitter {
    let scanner: TextScanner

    init(scanner: TextScanner) {
        self.scanner = scanner
    }

    func pieceEnd(from start: Int) -> Int {
        let s = scanner
        let (c0, l0) = s.scalar(at: start)
        let next = start + l0
        let hasPrefix = c0 & (ScalarClass.letter | ScalarClass.number | ScalarClass.newline) == 0
        let wordClasses = ScalarClass.upper | ScalarClass.lower
        if hasPrefix, let end = lowerWordEnd(from: next) { return withContraction(end) }
        if c0 & wordClasses != 0, let end = lowerWordEnd(from: start) { return withContraction(end) }
        if hasPrefix, let end = upperWordEnd(from: next) { return withContraction(end) }
        if c0 & ScalarClass.upper != 0, let end = upperWordEnd(from: start) { return withContraction(end) }
        if c0 & ScalarClass.number != 0 {
            return s.numberEnd(from: start)
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
        if c0 & ScalarClass.space == 0 {
            return s.byteRunEnd(from: s.otherRunEnd(from: next), slash: true)
        }
        if s.text[start] == 0x20, next < s.end {
            let (c1, l1) = s.scalar(at: next)
            if c1 & (ScalarClass.space | ScalarClass.letter | ScalarClass.number) == 0 {
                return s.byteRunEnd(from: s.otherRunEnd(from: next + l1), slash: true)
            }
        }
        // Only whitespace alternatives are left.
        let run = s.whitespaceRun(from: start)
        if let newline = s.lastNewline(from: start, to: run.end) { return newline + 1 }  // \s*[\r\n]+
        if run.end == s.end { return run.end }  // \s+(?!\S) at the end of text
        if run.lastStart > start { return run.lastStart }  // \s+(?!\S)
        return run.end  // \s+
    }

    /// `upper* lower+` from `index`. The greedy `upper*` backtracks until a `lower` scalar
    /// follows; since Lm/Lo/M are in both classes that is the end of the last `lower` scalar
    /// inside the upper run, unless an Ll scalar follows the run.
    @inline(__always)
    private func lowerWordEnd(from index: Int) -> Int? {
        let s = scanner
        var i = index
        var lastLowerEnd = -1
        while i < s.end {
            let (cls, length) = s.scalar(at: i)
            if cls & ScalarClass.upper == 0 {
                if cls & ScalarClass.lower != 0 { return s.runEnd(ScalarClass.lower, from: i + length) }
                break
            }
            i += length
            if cls & ScalarClass.lower != 0 { lastLowerEnd = i }
        }
        return lastLowerEnd >= 0 ? lastLowerEnd : nil
    }

    /// `upper+ lower*` from `index`.
    @inline(__always)
    private func upperWordEnd(from index: Int) -> Int? {
        let upperEnd = scanner.runEnd(ScalarClass.upper, from: index)
        if upperEnd == index { return nil }
        return scanner.runEnd(ScalarClass.lower, from: upperEnd)
    }

    @inline(__always)
    private func withContraction(_ end: Int) -> Int {
        guard end < scanner.end, scanner.text[end] == UInt8(ascii: "'") else { return end }
        return scanner.contractionEnd(afterApostrophe: end + 1) ?? end
    }
}
