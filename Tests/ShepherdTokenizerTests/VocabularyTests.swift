import Foundation
import ShepherdTokenizer
import Testing

@Suite("vocabulary")
struct VocabularyTests {
    @Test("both encodings load once and are shared", arguments: EncodingName.allCases)
    func loadsShared(encoding: EncodingName) throws {
        let first = try Tokenizer.load(encoding)
        let second = try Tokenizer.load(encoding)
        #expect(first === second)
        #expect(first.encoding == encoding)
    }

    @Test("loading is safe from many tasks at once")
    func concurrentLoad() async throws {
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<8 {
                group.addTask {
                    let tokenizer = try Tokenizer.load(i.isMultiple(of: 2) ? .cl100k_base : .o200k_base)
                    return tokenizer.count("hello world, \(i) times")
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts.count == 8)
    }

    @Test("known ids")
    func knownIDs() throws {
        #expect(try Tokenizer.load(.cl100k_base).encode("hello world") == [15339, 1917])
        #expect(try Tokenizer.load(.o200k_base).encode("hello world") == [24912, 2375])
    }

    @Test("unknown ids are skipped when decoding")
    func unknownIDs() throws {
        let tokenizer = try Tokenizer.load(.cl100k_base)
        #expect(tokenizer.decode([15339, -1, 100_256, 999_999, 1917]) == "hello world")
    }

    @Test("errors explain themselves")
    func errorDescription() {
        let error = TokenizerError.vocabularyHashMismatch(encoding: "o200k_base", expected: "aa", actual: "bb")
        #expect(error.description.contains("sha256 bb, expected aa"))
    }
}

@Suite("vocabulary files")
struct VocabularyFileTests {
    @Test("a rank file that is not the official one is rejected")
    func hashMismatch() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("shepherd-\(UUID().uuidString).tiktoken")
        try Data("IQ== 0\nIg== 1\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = #expect(throws: TokenizerError.self) { try Tokenizer.load(.cl100k_base, vocabularyFile: file) }
        guard case .vocabularyHashMismatch(let encoding, let expected, _) = error else {
            Issue.record("expected a hash mismatch, got \(String(describing: error))")
            return
        }
        #expect(encoding == "cl100k_base")
        #expect(expected == "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7")
    }

    @Test("a missing rank file is reported")
    func missingFile() {
        let file = URL(fileURLWithPath: "/nonexistent/o200k_base.tiktoken")
        #expect(throws: TokenizerError.self) { try Tokenizer.load(.o200k_base, vocabularyFile: file) }
    }

    @Test("the official file loads from a path too")
    func officialFileFromPath() throws {
        let file = GoldenData.directory.deletingLastPathComponent().appendingPathComponent("vocab/o200k_base.tiktoken")
        try #require(FileManager.default.fileExists(atPath: file.path), "missing \(file.path)")
        let tokenizer = try Tokenizer.load(.o200k_base, vocabularyFile: file)
        #expect(tokenizer.encode("hello world") == [24912, 2375])
    }
}
