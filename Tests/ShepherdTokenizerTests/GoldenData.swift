import Foundation
import Testing

/// The tiktoken reference data in /work/shared/tokenizer-golden (see its README.md), found
/// relative to this file so that the tests work from any working directory.
enum GoldenData {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // .../main/Tests/ShepherdTokenizerTests
        .deletingLastPathComponent()  // .../main/Tests
        .deletingLastPathComponent()  // .../main (the package)
        .deletingLastPathComponent()  // .../ (beside the package)
        .appendingPathComponent("shared/tokenizer-golden")

    struct Sample: Decodable, Sendable {
        let id: String
        let category: String
        let text: String
        let cl100k_base: [Int]
        let o200k_base: [Int]
    }

    struct SpecialSample: Decodable, Sendable {
        let id: String
        let text: String
        let cl100k_base_allowed_all: [Int]
        let cl100k_base_ordinary: [Int]
        let o200k_base_allowed_all: [Int]
        let o200k_base_ordinary: [Int]
    }

    struct BeyondSample: Decodable, Sendable {
        let id: String
        let text: String
        let cl100k_base: [Int]
        let o200k_base: [Int]
    }

    /// Decodes one JSON object per line; a missing file is a test failure, never a silent pass.
    static func load<Record: Decodable>(_ file: String, as: Record.Type) throws -> [Record] {
        let url = directory.appendingPathComponent(file)
        try #require(
            FileManager.default.fileExists(atPath: url.path),
            "golden file \(url.path) is missing; the tokenizer tests need /work/shared/tokenizer-golden")
        let data = try Data(contentsOf: url)
        let decoder = JSONDecoder()
        var records: [Record] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            records.append(try decoder.decode(Record.self, from: Data(line)))
        }
        try #require(!records.isEmpty, "golden file \(url.path) holds no records")
        return records
    }
}

extension GoldenData.Sample {
    func ids(_ encoding: String) -> [Int] { encoding == "cl100k_base" ? cl100k_base : o200k_base }
}

extension GoldenData.BeyondSample {
    func ids(_ encoding: String) -> [Int] { encoding == "cl100k_base" ? cl100k_base : o200k_base }
}

/// Where two id sequences first differ, for a readable failure message.
func firstDifference(_ actual: [Int], _ expected: [Int]) -> String {
    let index = zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        ?? min(actual.count, expected.count)
    let got = actual[index..<min(index + 5, actual.count)]
    let want = expected[index..<min(index + 5, expected.count)]
    return "first difference at token \(index): got \(Array(got)), expected \(Array(want)) "
        + "(\(actual.count) vs \(expected.count) tokens)"
}
