/// cl100k_base's pattern, alternative by alternative, in the regex's own order:
///
///     '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+
///     | ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s
struct CL100KSplitter: PieceSplitter {
    let scanner: TextScanner

    init(scanner: TextScanner) {
        self.scanner = scanner
    }

    func pieceEnd(from start: Int) -> Int {
        let s = scanner
        let b0 = s.text[start]
        if b0 == UInt8(ascii: "'"), let end = s.contractionEnd(afterApostrophe: start + 1) {
            return end
        }
        let (c0, l0) = s.scalar(at: start)
        let next = start + l0
        // [^\r\n\p{L}\p{N}]?+\p{L}++ — the optional prefix can never be a letter, so the
        // possessive quantifier changes nothing here.
        if c0 & ScalarClass.letter != 0 {
            return s.runEnd(ScalarClass.letter, from: next)
        }
        if c0 & (ScalarClass.newline | ScalarClass.number) == 0, next < s.end {
            let (c1, l1) = s.scalar(at: next)
            if c1 & ScalarClass.letter != 0 {
                return s.runEnd(ScalarClass.letter, from: next + l1)
            }
        }
        if c0 & ScalarClass.number != 0 {
            return s.numberEnd(from: start)
        }
        // ` ?[^\s\p{L}\p{N}]++[\r\n]*+`
        if c0 & ScalarClass.space == 0 {
            return s.byteRunEnd(from: s.otherRunEnd(from: next), slash: false)
        }
        if b0 == 0x20, next < s.end {
            let (c1, l1) = s.scalar(at: next)
            if c1 & (ScalarClass.space | ScalarClass.letter | ScalarClass.number) == 0 {
                return s.byteRunEnd(from: s.otherRunEnd(from: next + l1), slash: false)
            }
        }
        // Only whitespace alternatives are left.
        let run = s.whitespaceRun(from: start)
        if run.end == s.end { return run.end }  // \s++$
        if let newline = s.lastNewline(from: start, to: run.end) { return newline + 1 }  // \s*[\r\n]
        if run.lastStart > start { return run.lastStart }  // \s+(?!\S)
        return run.end  // \s
    }
}
