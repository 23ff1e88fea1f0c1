import Foundation

/// The results of a run's calls, one JSON line each, appended and flushed to disk (fsync) as
/// each call returns, so a crash loses at most the calls in flight and `resume` pays for
/// nothing twice.
///
/// The first line names the run's key (``MapReducePlan/key``); a file of another key is
/// refused. A last line cut short by a crash is ignored and cut off before appending.
public actor CheckpointLog {
    public nonisolated let url: URL
    public nonisolated let key: String
    private var entries: [String: CheckpointEntry]
    private let handle: FileHandle
    /// Lines that could not be read (a torn last line after a crash), skipped on opening.
    public nonisolated let ignoredLines: Int

    /// Opens the checkpoint at `url` for a run of `key`, creating it when missing.
    /// - Parameter resume: reuse the results found there; without it, a file that already holds
    ///   results of this run is refused rather than overwritten.
    public init(url: URL, key: String, model: String, chunks: Int, resume: Bool) throws {
        self.url = url
        self.key = key
        let path = url.path
        let found = try Self.read(url)
        let header = CheckpointHeader(format: CheckpointHeader.formatName, key: key, model: model, chunks: chunks)
        do {
            if let found {
                guard let foundHeader = found.header else {
                    guard found.validLength == 0 else { throw CheckpointError.notACheckpoint(path: path) }
                    // Only a torn header: the run died before its first result.
                    handle = try Self.create(url, header: header)
                    entries = [:]
                    ignoredLines = found.ignored
                    return
                }
                guard foundHeader.key == key else { throw CheckpointError.mismatchedKey(path: path) }
                if !resume, !found.entries.isEmpty {
                    throw CheckpointError.existing(path: path, entries: found.entries.count)
                }
                handle = try FileHandle(forUpdating: url)
                try handle.truncate(atOffset: UInt64(found.validLength))
                try handle.seekToEnd()
                entries = found.entries
                ignoredLines = found.ignored
            } else {
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                handle = try Self.create(url, header: header)
                entries = [:]
                ignoredLines = 0
            }
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError.io(path: path, reason: "\(error)")
        }
    }

    /// How many results a checkpoint of `key` holds, without opening it for writing; nil when
    /// there is none (or it belongs to another key).
    public static func savedResults(at url: URL, key: String) -> Int? {
        guard let found = try? read(url), let header = found.header, header.key == key else { return nil }
        return found.entries.count
    }

    public func entry(_ id: String) -> CheckpointEntry? { entries[id] }

    public var count: Int { entries.count }

    /// Writes one result and flushes it to disk before returning.
    public func append(_ entry: CheckpointEntry) throws {
        var line = try Self.encoder.encode(entry)
        line.append(UInt8(ascii: "\n"))
        do {
            try handle.write(contentsOf: line)
            try handle.synchronize()
        } catch {
            throw CheckpointError.io(path: url.path, reason: "\(error)")
        }
        entries[entry.id] = entry
    }

    public func close() {
        try? handle.close()
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static func create(_ url: URL, header: CheckpointHeader) throws -> FileHandle {
        var line = try encoder.encode(header)
        line.append(UInt8(ascii: "\n"))
        guard FileManager.default.createFile(atPath: url.path, contents: line) else {
            throw CheckpointError.io(path: url.path, reason: "cannot create the file")
        }
        let handle = try FileHandle(forUpdating: url)
        try handle.seekToEnd()
        try handle.synchronize()
        return handle
    }

    private struct Contents {
        var header: CheckpointHeader?
        var entries: [String: CheckpointEntry] = [:]
        /// Bytes up to the end of the last whole line.
        var validLength = 0
        var ignored = 0
    }

    /// The file's header and entries; nil when there is no file.
    private static func read(_ url: URL) throws -> Contents? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CheckpointError.io(path: url.path, reason: "\(error)")
        }
        let decoder = JSONDecoder()
        var contents = Contents()
        var lineStart = data.startIndex
        var first = true
        while let newline = data[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = data[lineStart..<newline]
            if first {
                contents.header = try? decoder.decode(CheckpointHeader.self, from: line)
                if contents.header?.format != CheckpointHeader.formatName { contents.header = nil }
                first = false
                if contents.header == nil {
                    contents.validLength = newline + 1 - data.startIndex
                    return contents
                }
            } else if let entry = try? decoder.decode(CheckpointEntry.self, from: line) {
                contents.entries[entry.id] = entry
            } else {
                contents.ignored += 1
            }
            lineStart = newline + 1
            contents.validLength = lineStart - data.startIndex
        }
        if lineStart < data.endIndex { contents.ignored += 1 }  // torn by a crash mid-write
        return contents
    }
}
