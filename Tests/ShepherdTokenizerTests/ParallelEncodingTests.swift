import Foundation
import Testing

@testable import ShepherdTokenizer

/// The parallel API cuts the text at `SafeCuts` positions and encodes the parts separately; it
/// must give exactly the single-threaded ids. The first tests check the cut rule itself on every
/// position it accepts; the others check the whole API on golden and real text.
@Suite("parallel encoding")
struct ParallelEncodingTests {
    static let samples = Result { try GoldenData.load("golden.jsonl", as: GoldenData.Sample.self) }

    /// Tokens of `bytes` encoded as two texts, cut at `cut`.
    private static func encodedInTwo(_ tokenizer: Tokenizer, _ bytes: [UInt8], at cut: Int, allowSpecial: Bool = false) -> [Int] {
        tokenizer.encode(String(decoding: bytes[..<cut], as: UTF8.self), allowSpecial: allowSpecial)
            + tokenizer.encode(String(decoding: bytes[cut...], as: UTF8.self), allowSpecial: allowSpecial)
    }

    private static func safeCuts(_ bytes: [UInt8]) -> [Int] {
        bytes.withUnsafeBufferPointer { buffer in
            (1..<max(buffer.count, 1)).filter { SafeCuts.isSafe(buffer.baseAddress!, $0) }
        }
    }

    @Test("every safe cut of every golden sample splits it exactly", arguments: EncodingName.allCases)
    func safeCutsOfGoldenSamples(encoding: EncodingName) throws {
        let tokenizer = try Tokenizer.load(encoding)
        var checked = 0
        for sample in try Self.samples.get() where sample.text.utf8.count < 20_000 {
            let bytes = Array(sample.text.utf8)
            let expected = sample.ids(encoding.rawValue)
            // At most 40 cuts a sample, spread over it: each check encodes the whole sample.
            let cuts = Self.safeCuts(bytes)
            for cut in stride(from: 0, to: cuts.count, by: max(cuts.count / 40, 1)).map({ cuts[$0] }) {
                let actual = Self.encodedInTwo(tokenizer, bytes, at: cut)
                #expect(actual == expected, "\(sample.id) cut at \(cut): \(firstDifference(actual, expected))")
                checked += 1
            }
        }
        #expect(checked > 1_000)
    }

    @Test("every safe cut of random text splits it exactly", arguments: EncodingName.allCases)
    func safeCutsOfRandomText(encoding: EncodingName) throws {
        let tokenizer = try Tokenizer.load(encoding)
        // Scalars around every decision the two patterns make at a newline or a space:
        // newlines, `/` (o200k's `[\r\n/]*`), other whitespace, apostrophes and contractions,
        // case changes, marks, digits, punctuation and scalars outside the BMP.
        let alphabet: [String] = [
            "\n", "\n", "\r", "\r\n", " ", " ", "  ", "\t", "\u{A0}", "\u{2028}", "\u{85}", "/", "//", "'", "'s", "'LL",
            "a", "b", "Z", "Q", "é", "É", "ǅ", "ʰ", "日", "\u{301}", "ß", "1", "23", "٣", "!", ".", "…", "<|endoftext|>",
            "🙂", "👩‍💻", "x", "Hello", "world", "ABC", "\u{1F3FB}",
        ]
        var state: UInt64 = 0x0DDB_A11
        for _ in 0..<300 {
            var text = ""
            for _ in 0..<40 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                text += alphabet[Int(state >> 33) % alphabet.count]
            }
            let bytes = Array(text.utf8)
            for allowSpecial in [false, true] {
                let expected = tokenizer.encode(text, allowSpecial: allowSpecial)
                for cut in Self.safeCuts(bytes) {
                    let actual = Self.encodedInTwo(tokenizer, bytes, at: cut, allowSpecial: allowSpecial)
                    #expect(actual == expected, "\(text.debugDescription) cut at \(cut)")
                }
            }
        }
    }

    @Test("encodeInParts with many small parts gives the single-threaded ids", arguments: EncodingName.allCases)
    func manyPartsOfGoldenText(encoding: EncodingName) throws {
        let tokenizer = try Tokenizer.load(encoding)
        let text = try Self.samples.get().map(\.text).joined(separator: "\n")
        let expected = tokenizer.encode(text)
        for threads in [2, 3, 8] {
            let parts = tokenizer.encodeInParts(text, allowSpecial: false, threads: threads, minimumPartLength: 256) {
                TokenCollector(capacity: 64)
            }
            #expect(parts.count > threads, "the text should have been cut")
            let actual = TokenCollector.ids(of: parts)
            #expect(actual == expected, "\(threads) threads: \(firstDifference(actual, expected))")
        }
        let counters = tokenizer.encodeInParts(text, allowSpecial: true, threads: 4, minimumPartLength: 256) {
            TokenCounter()
        }
        #expect(counters.reduce(0) { $0 + $1.count } == tokenizer.count(text, allowSpecial: true))
    }

    @Test("count and encode with threads match on real text", arguments: EncodingName.allCases)
    func publicAPIOnBenchText(encoding: EncodingName) throws {
        let tokenizer = try Tokenizer.load(encoding)
        let url = GoldenData.directory.appendingPathComponent("bench.txt")
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var bytes = [UInt8](try handle.read(upToCount: 1_500_000) ?? Data())
        while let last = bytes.last, last & 0xC0 == 0x80 || last >= 0xC0 { bytes.removeLast() }  // whole scalars
        let text = String(decoding: bytes, as: UTF8.self) + " <|endoftext|> tail"
        for allowSpecial in [false, true] {
            let expected = tokenizer.encode(text, allowSpecial: allowSpecial)
            #expect(tokenizer.encode(text, allowSpecial: allowSpecial, threads: 2) == expected)
            #expect(tokenizer.count(text, allowSpecial: allowSpecial, threads: 2) == expected.count)
            #expect(tokenizer.count(text, allowSpecial: allowSpecial, threads: 1) == expected.count)
        }
        #expect(tokenizer.encode("", threads: 2).isEmpty)
        #expect(tokenizer.count(text, threads: .max) == tokenizer.count(text))
        #expect(tokenizer.count(text, threads: 0) == tokenizer.count(text))
        #expect(tokenizer.count("short text", threads: 4) == tokenizer.count("short text"))
    }

    @Test("a text without a safe cut is encoded whole")
    func noSafeCut() throws {
        let text = String(repeating: "ab1", count: 200_000)
        text.utf8.withContiguousStorageIfAvailable { buffer in
            #expect(SafeCuts.cuts(buffer.baseAddress!, length: buffer.count, parts: 4) == [0, buffer.count])
        }
        let tokenizer = try Tokenizer.load(.cl100k_base)
        #expect(tokenizer.count(text, threads: 2) == tokenizer.count(text))
    }
}
