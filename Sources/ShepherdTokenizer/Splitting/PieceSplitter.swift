/// A pre-tokenizer: cuts a text segment into the pieces tiktoken's regex would match, one
/// piece at a time, so that no list of ranges is ever built.
protocol PieceSplitter {
    var scanner: TextScanner { get }
    init(scanner: TextScanner)
    /// The end of the piece that starts at `start` (`start < scanner.end`); always `> start`.
    func pieceEnd(from start: Int) -> Int
}
