#if canImport(Glibc)
import Glibc
#endif

/// Gives back the memory that only starting up needed, once the server listens.
///
/// Starting reads the YAML config (Yams compiles ICU regular expressions and number formats),
/// decodes the price catalog and opens the stores: with the neighbours the kernel maps around
/// each touched page, that leaves nearly 40 MB of code and ICU data resident that requests never
/// use again. Those pages stay in the process's resident set for its whole life. Under load the
/// gateway runs about 7 MB of code (measured with `clear_refs` and `Referenced:` in smaps).
///
/// Only mappings that are read-only copies of a file with no page of their own (smaps'
/// `Anonymous: 0`) are released, with `MADV_DONTNEED`: every page is still the file's, so
/// nothing is lost, and the next use of one maps it again from the page cache (a minor fault).
/// Then `malloc_trim` returns the heap freed by startup.
public enum StartupPages {
    /// Releases the pages; returns the resident bytes given back (0 where unsupported).
    @discardableResult
    public static func release() -> Int {
        #if os(Linux)
        guard let smaps = readFile("/proc/self/smaps") else { return 0 }
        var released = 0
        for mapping in Mapping.parse(smaps) where mapping.isReleasable {
            guard let start = UnsafeMutableRawPointer(bitPattern: mapping.start) else { continue }
            if madvise(start, Int(mapping.end - mapping.start), MADV_DONTNEED) == 0 {
                released += mapping.residentKiB * 1024
            }
        }
        trimHeap()
        return released
        #else
        return 0
        #endif
    }

    /// One mapping of /proc/self/smaps, with what `release` needs to judge it.
    struct Mapping: Equatable {
        var start: UInt
        var end: UInt
        var permissions: Substring
        var path: Substring
        var residentKiB = 0
        var anonymousKiB = 0

        /// A private, non-writable mapping of a file whose pages are all the file's own.
        var isReleasable: Bool {
            permissions.count == 4 && permissions.first == "r" && !permissions.contains("w") && permissions.last == "p"
                && path.hasPrefix("/") && anonymousKiB == 0 && residentKiB > 0
        }

        /// Parses smaps text: a header line per mapping, then `Key: value kB` lines.
        static func parse(_ text: String) -> [Mapping] {
            var mappings: [Mapping] = []
            for line in text.split(separator: "\n") {
                if let header = Mapping(header: line) {
                    mappings.append(header)
                } else if !mappings.isEmpty, let (key, kib) = field(line) {
                    if key == "Rss" { mappings[mappings.count - 1].residentKiB = kib }
                    if key == "Anonymous" { mappings[mappings.count - 1].anonymousKiB = kib }
                }
            }
            return mappings
        }

        /// `start-end perms offset dev inode [path]`; nil for a field line.
        init?(header line: Substring) {
            let parts = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard parts.count >= 5, let dash = parts[0].firstIndex(of: "-"),
                let start = UInt(parts[0][..<dash], radix: 16),
                let end = UInt(parts[0][parts[0].index(after: dash)...], radix: 16), end > start
            else { return nil }
            self.start = start
            self.end = end
            permissions = parts[1]
            path = parts.count == 6 ? Substring(parts[5].drop { $0 == " " }) : ""
        }

        private static func field(_ line: Substring) -> (Substring, Int)? {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let value = line[line.index(after: colon)...].split(separator: " ")
            guard value.count == 2, value[1] == "kB", let kib = Int(value[0]) else { return nil }
            return (line[..<colon], kib)
        }
    }

    /// glibc's `malloc_trim(0)`, which Swift's Glibc module does not declare; looked up by name
    /// so that another C library simply skips it.
    private static func trimHeap() {
        #if os(Linux)
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
        #endif
    }

    /// The whole of a /proc file. Foundation's readers trust the file's size, which /proc
    /// reports as 0, and stop after the first 4 KiB (measured: 125 of several thousand lines).
    static func readFile(_ path: String) -> String? {
        #if os(Linux)
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
        #else
        return nil
        #endif
    }
}
