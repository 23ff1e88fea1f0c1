import Dispatch
import Synchronization

extension Tokenizer {
    /// `count(text, allowSpecial:)` on up to `threads` threads: the text is cut at places where
    /// tiktoken's pre-tokenizer always ends a piece (`SafeCuts`), the parts are encoded
    /// independently and the counts added — exactly the same number as the single-threaded call.
    /// Texts under a few hundred kilobytes are counted on the calling thread.
    public func count(_ text: String, allowSpecial: Bool = false, threads: Int) -> Int {
        guard threads > 1 else { return count(text, allowSpecial: allowSpecial) }
        let counters = encodeInParts(text, allowSpecial: allowSpecial, threads: threads) { TokenCounter() }
        return counters.reduce(0) { $0 + $1.count }
    }

    /// `encode(text, allowSpecial:)` on up to `threads` threads; the same ids in the same order.
    public func encode(_ text: String, allowSpecial: Bool = false, threads: Int) -> [Int] {
        guard threads > 1 else { return encode(text, allowSpecial: allowSpecial) }
        let capacity = text.utf8.count / 3 / (4 * min(threads, SafeCuts.maximumThreads)) + 1
        let parts = encodeInParts(text, allowSpecial: allowSpecial, threads: threads) {
            TokenCollector(capacity: capacity)
        }
        return TokenCollector.ids(of: parts, threads: threads)
    }

    /// Encodes `text` cut into parts of at least `minimumPartLength` bytes (about four per
    /// thread, so that a thread that finishes early takes another), one sink per part, in order.
    func encodeInParts<Sink: TokenSink & Sendable>(
        _ text: String, allowSpecial: Bool, threads: Int, minimumPartLength: Int = SafeCuts.minimumPartLength,
        makeSink: () -> Sink
    ) -> [Sink] {
        let threads = min(max(threads, 1), SafeCuts.maximumThreads)
        var text = text
        return text.withUTF8 { buffer -> [Sink] in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return [makeSink()] }
            let wanted = min(4 * threads, buffer.count / max(minimumPartLength, 1))
            let cuts = SafeCuts.cuts(base, length: buffer.count, parts: max(wanted, 1))
            let cached = buffer.count >= PieceCache.minTextLength
            if cuts.count == 2 {
                var sink = makeSink()
                encode(base, from: 0, to: buffer.count, allowSpecial: allowSpecial,
                    state: EncodeState(cached: cached), into: &sink)
                return [sink]
            }
            let job = ParallelJob(text: base, cuts: cuts, makeSink: makeSink)
            DispatchQueue.concurrentPerform(iterations: min(threads, job.partCount)) { _ in
                let state = EncodeState(cached: cached)
                while let part = job.claim() {
                    encode(job.text, from: job.cuts[part], to: job.cuts[part + 1], allowSpecial: allowSpecial,
                        state: state, into: &job.sinks[part])
                }
            }
            return job.results()
        }
    }
}

/// What the threads of one parallel call share. `@unchecked Sendable`: the text is only read,
/// and each part's sink is written by the one thread that claimed the part, before
/// `concurrentPerform` returns.
private final class ParallelJob<Sink: TokenSink>: @unchecked Sendable {
    let text: UnsafePointer<UInt8>
    let cuts: [Int]
    let sinks: UnsafeMutablePointer<Sink>
    private let next = Atomic<Int>(0)

    var partCount: Int { cuts.count - 1 }

    init(text: UnsafePointer<UInt8>, cuts: [Int], makeSink: () -> Sink) {
        self.text = text
        self.cuts = cuts
        sinks = .allocate(capacity: cuts.count - 1)
        for part in 0..<(cuts.count - 1) { (sinks + part).initialize(to: makeSink()) }
    }

    deinit {
        sinks.deinitialize(count: partCount)
        sinks.deallocate()
    }

    /// The next part nobody has taken, if any.
    func claim() -> Int? {
        let part = next.add(1, ordering: .relaxed).oldValue
        return part < partCount ? part : nil
    }

    func results() -> [Sink] {
        Array(UnsafeBufferPointer(start: sinks, count: partCount))
    }
}

/// Where a text can be cut so that encoding the parts separately gives exactly the tokens of the
/// whole. Both pre-tokenization patterns only look ahead, never behind, so a position `p` is a
/// safe cut when every piece of the whole text's split ends at or before `p` or starts at or
/// after it, and the pieces before `p` come out the same when the text ends at `p` (the `$` and
/// `(?!\S)` of the whitespace alternatives). Two shapes guarantee that in both encodings:
///
/// - `\n` then a printable ASCII byte other than `/`: no alternative continues past a newline
///   except into more `[\r\n]` (or `/` in o200k_base), and whitespace runs stop at the printable
///   byte, so the piece holding the `\n` ends exactly there, whether or not the text goes on.
/// - an ASCII letter then a space: the letter run ends at the space (contractions start with
///   `'`), and the space begins the next piece whatever follows.
///
/// Special tokens (`<|…|>`) contain neither shape, so a cut never falls inside one.
enum SafeCuts {
    /// Smallest part worth a thread: below this, the per-part setup and the piece cache's cold
    /// start cost more than the second core gains.
    static let minimumPartLength = 256 * 1024
    /// How far past its ideal place a cut may move before it is given up (the part then merges
    /// with the next one). Text without newlines or spaces (a base64 blob) has no safe cut.
    static let searchWindow = 64 * 1024
    /// More threads than this are not asked for (and `threads: .max` cannot overflow).
    static let maximumThreads = 256

    /// `0`, the cuts in increasing order, then `length`: at most `parts` parts of about equal size.
    static func cuts(_ text: UnsafePointer<UInt8>, length: Int, parts: Int) -> [Int] {
        var cuts = [0]
        guard parts > 1 else { return [0, length] }
        for k in 1..<parts {
            var p = max(length / parts * k, cuts[cuts.count - 1] + 1)
            let limit = min(p + searchWindow, length)
            while p < limit, !isSafe(text, p) { p += 1 }
            if p < limit { cuts.append(p) }
        }
        cuts.append(length)
        return cuts
    }

    /// Whether `0 < p < length` is a safe cut (see the type's documentation).
    @inline(__always)
    static func isSafe(_ text: UnsafePointer<UInt8>, _ p: Int) -> Bool {
        let before = text[p - 1]
        let after = text[p]
        if before == 0x0A { return after > 0x20 && after < 0x7F && after != UInt8(ascii: "/") }
        return after == 0x20 && (before | 0x20) >= UInt8(ascii: "a") && (before | 0x20) <= UInt8(ascii: "z")
    }
}
