import ArgumentParser
import Foundation
import ShepherdCore
import ShepherdTokenizer

struct ChunkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chunk",
        abstract: "Split a document into token-exact chunks that fit a context window.",
        discussion: """
            Prints one JSON object per chunk, one per line:
              {"index":0,"tokens":998,"start":0,"end":4410,"text":"…"}
            start and end are UTF-8 byte offsets into the file. Each chunk is at
            most --max-tokens tokens when encoded on its own, consecutive chunks
            share at most --overlap tokens, and cuts prefer paragraph, then
            sentence, then line ends within the last tenth of the window.
            A summary goes to standard error.

            Examples:
              shepherd chunk contract.txt --max-tokens 8000 --overlap 200 \\
                --out contract.jsonl
              shepherd chunk filing.md --max-tokens 4000 --model gpt-4
              cat notes.txt | shepherd chunk - --max-tokens 500
            """)

    @Argument(help: "The file to chunk; - reads standard input.") var file: String
    @Option(help: "The most tokens a chunk may hold.") var maxTokens: Int
    @Option(help: "Tokens shared by consecutive chunks; less than --max-tokens.") var overlap: Int = 0
    @Option(help: "cl100k_base or o200k_base (default o200k_base).") var encoding: EncodingName?
    @Option(help: "A model name whose encoding to use (gpt-4o, gpt-4, …).") var model: String?
    @Option(help: "Write the JSON lines to this file instead of standard output.") var out: String?

    func run() async throws {
        // Bad values exit 64 like other usage errors, but in one line rather than with the
        // whole usage text, since the option names are already in the message.
        if encoding != nil, model != nil { Self.usageFailure("give --encoding or --model, not both") }
        if maxTokens < 1 { Self.usageFailure("--max-tokens must be at least 1 (got \(maxTokens))") }
        if overlap < 0 || overlap >= maxTokens {
            Self.usageFailure("--overlap must be at least 0 and less than --max-tokens \(maxTokens) (got \(overlap))")
        }
        try await reportingFailures {
            let chunker = try Chunker(tokenizer: try tokenizer(), maxTokens: maxTokens, overlap: overlap)
            let text = try read(file)
            var output = try LineOutput(path: out)
            var progress = ChunkProgress(totalBytes: text.utf8.count)
            let summary = try chunker.forEachChunk(of: text) { chunk in
                var writer = JSONWriter(reservingCapacity: chunk.text.utf8.count + 96)
                writer.beginObject()
                writer.key("index"); writer.int(chunk.index)
                writer.key("tokens"); writer.int(chunk.tokenCount)
                writer.key("start"); writer.int(chunk.start)
                writer.key("end"); writer.int(chunk.end)
                writer.key("text"); writer.string(chunk.text)
                writer.endObject()
                try output.write(line: writer.bytes)
                progress.update(bytesDone: chunk.end, chunks: chunk.index + 1)
            }
            try output.finish()
            progress.finish()
            let line = "\(summary.chunks) chunks, \(summary.chunkTokens) tokens in chunks, "
                + "\(summary.documentTokens) in the document (\(chunker.tokenizer.encoding.rawValue))\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    private func tokenizer() throws -> Tokenizer {
        guard let model else { return try Tokenizer.load(encoding ?? .o200k_base) }
        guard let mapped = Tokenizer.forModel(model) else {
            throw CommandFailure("no known tokenizer for model '\(model)'; pass --encoding cl100k_base or o200k_base")
        }
        return try Tokenizer.load(mapped)
    }

    /// The file as text. Invalid UTF-8 is refused rather than repaired, because repairing it
    /// would shift the byte offsets the chunks report away from the file's.
    private func read(_ file: String) throws -> String {
        try InputFile.text(file)
    }

    private static func usageFailure(_ message: String) -> Never {
        FileHandle.standardError.write(Data("shepherd: error: \(message)\n".utf8))
        Foundation.exit(ExitCode.validationFailure.rawValue)
    }
}

/// JSON lines to a file or standard output, buffered so a document of many small chunks is not
/// one system call per line.
private struct LineOutput {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private static let flushThreshold = 1 << 20

    init(path: String?) throws {
        guard let path else {
            handle = .standardOutput
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let opened = FileHandle(forWritingAtPath: path)
        else { throw CommandFailure("cannot write '\(path)'") }
        handle = opened
    }

    mutating func write(line: [UInt8]) throws {
        buffer.append(contentsOf: line)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    mutating func finish() throws {
        try flush()
        if handle !== FileHandle.standardOutput { try handle.close() }
    }

    private mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A percentage on standard error while chunking, only when it is a terminal (a log or a pipe
/// would fill with carriage returns), redrawn at most ten times a second.
private struct ChunkProgress {
    private let totalBytes: Int
    private let enabled = isatty(STDERR_FILENO) != 0
    private var lastDraw: ContinuousClock.Instant?
    private var drawn = false

    init(totalBytes: Int) { self.totalBytes = totalBytes }

    mutating func update(bytesDone: Int, chunks: Int) {
        guard enabled, totalBytes > 0 else { return }
        let now = ContinuousClock.now
        if let lastDraw, now - lastDraw < .milliseconds(100) { return }
        lastDraw = now
        drawn = true
        let percent = bytesDone * 100 / totalBytes
        FileHandle.standardError.write(Data("\rchunking: \(percent)% (\(chunks) chunks)".utf8))
    }

    /// Erases the line so the summary starts clean.
    func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
