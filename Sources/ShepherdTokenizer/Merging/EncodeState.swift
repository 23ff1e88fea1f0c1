/// Scratch memory for one `encode` call, so that the tokenizer itself stays immutable and can be
/// shared by all threads.
final class EncodeState {
    let merger = ShortPieceMerger()
    let cache: PieceCache?
    /// Created at the first piece too long for `merger`; most texts have none.
    private(set) lazy var longMerger = LongPieceMerger()

    init(cached: Bool) {
        cache = cached ? PieceCache() : nil
    }

    deinit {
        merger.deallocate()
        cache?.deallocate()
    }
}
