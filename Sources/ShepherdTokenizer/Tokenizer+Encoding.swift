extension Tokenizer {
    /// The encoding pipeline: optional special-token split, regex pre-tokenization, then BPE
    /// per piece. Runs directly on the string's UTF-8 storage.
    func encode<Sink: TokenSink>(_ text: String, allowSpecial: Bool, into sink: inout Sink) {
        var text = text
        text.withUTF8 { buffer in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
            let state = EncodeState(cached: buffer.count >= PieceCache.minTextLength)
            encode(base, from: 0, to: buffer.count, allowSpecial: allowSpecial, state: state, into: &sink)
        }
    }

    /// Encodes `text[start..<end]` as if it were the whole text. The parallel API calls this on
    /// parts cut at `SafeCuts` boundaries, where that gives exactly the whole text's tokens.
    func encode<Sink: TokenSink>(
        _ base: UnsafePointer<UInt8>, from start: Int, to end: Int, allowSpecial: Bool, state: EncodeState,
        into sink: inout Sink
    ) {
        guard allowSpecial else {
            encodeSegment(base, from: start, to: end, state: state, into: &sink)
            return
        }
        // Text between special tokens is split on its own: `$` and `(?!\S)` see the
        // segment's end, as in tiktoken.
        var start = start
        while let special = specials.firstMatch(in: base, from: start, to: end) {
            encodeSegment(base, from: start, to: special.start, state: state, into: &sink)
            sink.emit(UInt32(special.id))
            start = special.start + special.length
        }
        encodeSegment(base, from: start, to: end, state: state, into: &sink)
    }

    private func encodeSegment<Sink: TokenSink>(
        _ text: UnsafePointer<UInt8>, from start: Int, to end: Int, state: EncodeState, into sink: inout Sink
    ) {
        guard start < end else { return }
        let scanner = TextScanner(text: text, end: end, classes: ScalarClassTable.shared.classes)
        switch encoding {
        case .cl100k_base:
            encodePieces(CL100KSplitter(scanner: scanner), from: start, state: state, into: &sink)
        case .o200k_base:
            encodePieces(O200KSplitter(scanner: scanner), from: start, state: state, into: &sink)
        }
    }

    private func encodePieces<Splitter: PieceSplitter, Sink: TokenSink>(
        _ splitter: Splitter, from start: Int, state: EncodeState, into sink: inout Sink
    ) {
        let text = splitter.scanner.text
        let end = splitter.scanner.end
        let ranks = self.ranks
        var i = start
        while i < end {
            let pieceEnd = splitter.pieceEnd(from: i)
            let piece = text + i
            let length = pieceEnd - i
            i = pieceEnd
            if length == 1 {
                sink.emit(ranks.byteRank(piece[0]))
                continue
            }
            let whole = ranks.rank(piece, length)
            if whole != RankTable.missing {
                sink.emit(whole)
            } else if length > ShortPieceMerger.maxLength {
                state.longMerger.merge(piece, length, ranks: ranks, into: &sink)
            } else if length <= PieceCache.maxPieceLength, let cache = state.cache {
                let (slot, hit) = cache.lookup(piece, length)
                if let hit {
                    for k in 0..<hit { sink.emit(cache.token(slot, k)) }
                } else {
                    let count = state.merger.merge(piece, length, ranks: ranks)
                    for k in 0..<count { sink.emit(state.merger.tokens[k]) }
                    cache.store(piece, length, slot: slot, tokens: state.merger.tokens, count: count)
                }
            } else {
                let count = state.merger.merge(piece, length, ranks: ranks)
                for k in 0..<count { sink.emit(state.merger.tokens[k]) }
            }
        }
    }
}
