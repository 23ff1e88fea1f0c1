import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a log file line by line in fixed-size chunks, so memory stays flat however large the
/// log is. Gzip input (detected by its magic bytes, not its name) is decompressed by the
/// system `gzip -dc` in a child process: Foundation on Linux has no gzip, and the child runs
/// on the second core while this one parses.
public final class LogLineReader {
    /// Lines longer than this are skipped (and reported), so one runaway line cannot grow the buffer.
    public static let maxLineBytes = 16 << 20
    private static let chunkBytes = 1 << 20

    public let path: String
    public let compressed: Bool
    /// Bytes of the file on disk (compressed size for gzip), for progress.
    public let fileBytes: Int64
    /// Bytes read from the file or from gzip's output so far.
    public private(set) var bytesRead: Int64 = 0
    /// Set when gzip failed part-way (a truncated or corrupt file): the lines before the damage
    /// were still read, so this is a warning for the report rather than a failure.
    public private(set) var warning: String?

    private let descriptor: Int32
    private let gzip: Process?
    private var buffer: UnsafeMutableBufferPointer<UInt8>
    private var start = 0
    private var end = 0
    private var atEOF = false
    private var closed = false

    public init(path: String) throws(AuditError) {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else { throw AuditError("cannot read \(path): \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) != S_IFDIR else { throw AuditError("cannot read \(path): it is a folder") }
        fileBytes = Int64(info.st_size)
        let file = open(path, O_RDONLY)
        guard file >= 0 else { throw AuditError("cannot read \(path): \(String(cString: strerror(errno)))") }

        var magic: (UInt8, UInt8) = (0, 0)
        let peeked = withUnsafeMutableBytes(of: &magic) { pread(file, $0.baseAddress, 2, 0) }
        compressed = peeked == 2 && magic == (0x1F, 0x8B)
        if compressed {
            close(file)
            let (process, output) = try Self.startGzip(path: path)
            gzip = process
            descriptor = output
        } else {
            gzip = nil
            descriptor = file
        }
        buffer = .allocate(capacity: Self.chunkBytes)
    }

    deinit {
        finish()
        buffer.deallocate()
    }

    private static func startGzip(path: String) throws(AuditError) -> (Process, Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", "--", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw AuditError("cannot decompress \(path): gzip could not be started (\(error.localizedDescription))")
        }
        // Our own copy of the read end, so reads bypass FileHandle's per-call Data allocation.
        let output = dup(pipe.fileHandleForReading.fileDescriptor)
        try? pipe.fileHandleForReading.close()
        try? pipe.fileHandleForWriting.close()
        guard output >= 0 else { throw AuditError("cannot decompress \(path): \(String(cString: strerror(errno)))") }
        return (process, output)
    }

    /// One line without its `\n` (and without a trailing `\r`), or `.tooLong` for a line over
    /// the limit, or nil at the end. The buffer is valid only inside `body`.
    public func nextLine<T>(_ body: (Line) -> T) throws(AuditError) -> T? {
        var skippingLongLine = false
        while true {
            if let newline = findNewline() {
                let lineEnd = newline
                let lineStart = start
                start = newline + 1
                if skippingLongLine { return body(.tooLong) }
                return body(.bytes(trimmed(lineStart, lineEnd)))
            }
            if atEOF {
                guard start < end else { return skippingLongLine ? body(.tooLong) : nil }
                let lineStart = start
                start = end
                if skippingLongLine { return body(.tooLong) }
                return body(.bytes(trimmed(lineStart, end)))
            }
            if start == 0 && end == buffer.count {
                // A line longer than the buffer: grow up to the limit, then drop it.
                if buffer.count < Self.maxLineBytes {
                    grow()
                } else {
                    skippingLongLine = true
                    start = end
                }
            }
            try fill()
        }
    }

    public enum Line {
        case bytes(UnsafeBufferPointer<UInt8>)
        case tooLong
    }

    private func trimmed(_ from: Int, _ to: Int) -> UnsafeBufferPointer<UInt8> {
        var upper = to
        if upper > from, buffer[upper - 1] == UInt8(ascii: "\r") { upper -= 1 }
        return UnsafeBufferPointer(rebasing: buffer[from..<upper])
    }

    private func findNewline() -> Int? {
        guard start < end, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + start, 0x0A, end - start) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    private func grow() {
        let bigger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: min(buffer.count * 2, Self.maxLineBytes))
        _ = bigger.initialize(fromContentsOf: buffer[0..<end])
        buffer.deallocate()
        buffer = bigger
    }

    /// Moves the unread tail to the front and reads more after it.
    private func fill() throws(AuditError) {
        if start > 0 {
            let remaining = end - start
            if remaining > 0, let base = buffer.baseAddress { memmove(base, base + start, remaining) }
            start = 0
            end = remaining
        }
        guard let base = buffer.baseAddress else { return }
        while true {
            let count = read(descriptor, base + end, buffer.count - end)
            if count > 0 {
                end += count
                bytesRead += Int64(count)
                return
            }
            if count == 0 {
                atEOF = true
                checkGzipStatus()
                return
            }
            if errno == EINTR { continue }
            throw AuditError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
    }

    private func checkGzipStatus() {
        guard let gzip else { return }
        finish()
        if gzip.terminationReason == .exit, gzip.terminationStatus != 0 {
            warning = "\(path) is corrupt or truncated gzip; only the lines before the damage were read"
        }
    }

    /// Closes the file and, for gzip, waits for the child so it never lingers as a zombie.
    private func finish() {
        guard !closed else { return }
        closed = true
        close(descriptor)
        if let gzip {
            if gzip.isRunning { gzip.terminate() }
            gzip.waitUntilExit()
        }
    }
}

/// A failure of the whole audit (a file that cannot be read), reported in one line.
public struct AuditError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
