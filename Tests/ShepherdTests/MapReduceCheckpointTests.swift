import Foundation
import Shepherd
import Testing

@Suite("MapReduce checkpoint: append-only, crash-tolerant, keyed")
struct MapReduceCheckpointTests {
    static func entry(_ index: Int) -> CheckpointEntry {
        CheckpointEntry(id: "map:\(index)", text: "notes \(index)\nline two", inputTokens: 100 + index, outputTokens: 10)
    }

    @Test("Results written before a crash are read back on resume")
    func resumeReadsBack() async throws {
        let url = temporaryFile()
        let first = try CheckpointLog(url: url, key: "k1", model: "chat", chunks: 3, resume: false)
        try await first.append(Self.entry(0))
        try await first.append(Self.entry(1))
        await first.close()
        let second = try CheckpointLog(url: url, key: "k1", model: "chat", chunks: 3, resume: true)
        #expect(await second.count == 2)
        #expect(await second.entry("map:1") == Self.entry(1))
        #expect(await second.entry("map:2") == nil)
        #expect(CheckpointLog.savedResults(at: url, key: "k1") == 2)
        #expect(CheckpointLog.savedResults(at: url, key: "other") == nil)
    }

    @Test("A torn last line is ignored, cut off, and appending goes on cleanly")
    func tornLastLine() async throws {
        let url = temporaryFile()
        let log = try CheckpointLog(url: url, key: "k1", model: "chat", chunks: 3, resume: false)
        try await log.append(Self.entry(0))
        await log.close()
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"id":"map:1","text":"half wri"#.utf8))
        try handle.close()

        let resumed = try CheckpointLog(url: url, key: "k1", model: "chat", chunks: 3, resume: true)
        #expect(resumed.ignoredLines == 1)
        #expect(await resumed.count == 1)
        #expect(await resumed.entry("map:1") == nil)
        try await resumed.append(Self.entry(2))
        await resumed.close()

        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4)  // header, map:0, map:2, and the empty string after the last newline
        #expect(lines.last == "")
        let again = try CheckpointLog(url: url, key: "k1", model: "chat", chunks: 3, resume: true)
        #expect(again.ignoredLines == 0)
        #expect(await again.count == 2)
    }

    @Test("A checkpoint of another key is refused and left as it was")
    func mismatchedKey() async throws {
        let url = temporaryFile()
        let log = try CheckpointLog(url: url, key: "document-A", model: "chat", chunks: 3, resume: false)
        try await log.append(Self.entry(0))
        await log.close()
        let before = try Data(contentsOf: url)
        for resume in [true, false] {
            #expect(throws: CheckpointError.mismatchedKey(path: url.path)) {
                try CheckpointLog(url: url, key: "document-B", model: "chat", chunks: 3, resume: resume)
            }
        }
        #expect(try Data(contentsOf: url) == before)
    }

    @Test("Results of an earlier run are not overwritten without resume")
    func existingWithoutResume() async throws {
        let url = temporaryFile()
        let log = try CheckpointLog(url: url, key: "k1", model: "chat", chunks: 3, resume: false)
        try await log.append(Self.entry(0))
        await log.close()
        #expect(throws: CheckpointError.existing(path: url.path, entries: 1)) {
            try CheckpointLog(url: url, key: "k1", model: "chat", chunks: 3, resume: false)
        }
    }

    @Test("A file that is not a checkpoint is never overwritten; a torn header starts afresh")
    func notACheckpoint() async throws {
        let url = temporaryFile()
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("precious data\n".utf8).write(to: url)
        #expect(throws: CheckpointError.notACheckpoint(path: url.path)) {
            try CheckpointLog(url: url, key: "k1", model: "chat", chunks: 3, resume: true)
        }
        try Data(#"{"format":"shepherd-analy"#.utf8).write(to: url)
        let log = try CheckpointLog(url: url, key: "k1", model: "chat", chunks: 3, resume: true)
        #expect(await log.count == 0)
        try await log.append(Self.entry(0))
        #expect(CheckpointLog.savedResults(at: url, key: "k1") == 1)
    }
}
