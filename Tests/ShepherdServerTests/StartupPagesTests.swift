import Foundation
import Testing

@testable import ShepherdServer

@Suite("Startup pages")
struct StartupPagesTests {
    static let smaps = """
        55d0c0000000-55d0c1bdd000 r-xp 00000000 fd:01 1234 /srv/shepherd
        Size:              28532 kB
        Rss:               15200 kB
        Anonymous:             0 kB
        55d0c1bdd000-55d0c1cb5000 r--p 01bdd000 fd:01 1234 /srv/shepherd
        Rss:                 820 kB
        Anonymous:           820 kB
        55d0c1cb5000-55d0c1e90000 rw-p 01cb5000 fd:01 1234 /srv/shepherd
        Rss:                1500 kB
        Anonymous:           200 kB
        7f0000000000-7f0002000000 r-xp 00000000 fd:01 99 /opt/swift/usr/lib/swift/linux/lib_FoundationICU.so
        Rss:                5400 kB
        Anonymous:             0 kB
        7f0003000000-7f0003100000 r--p 00000000 fd:01 100 /usr/lib/locale/C.utf8/LC_CTYPE
        Rss:                   0 kB
        Anonymous:             0 kB
        7f0004000000-7f0004800000 rw-p 00000000 00:00 0
        Rss:                6000 kB
        Anonymous:          6000 kB
        7f0005000000-7f0005001000 r--p 00000000 00:00 0 [vvar]
        Rss:                   4 kB
        Anonymous:             0 kB
        7f0006000000-7f0006010000 r--s 00000000 fd:01 101 /tmp/bench.db-shm
        Rss:                  64 kB
        Anonymous:             0 kB
        """

    @Test("only read-only private file mappings without pages of their own are released")
    func releasable() {
        let mappings = StartupPages.Mapping.parse(Self.smaps)
        #expect(mappings.count == 8)
        #expect(mappings[0].start == 0x55d0_c000_0000 && mappings[0].end == 0x55d0_c1bd_d000)
        #expect(mappings[0].residentKiB == 15200 && mappings[0].anonymousKiB == 0)
        #expect(mappings[0].path == "/srv/shepherd")
        let released = mappings.filter(\.isReleasable).map(\.path)
        // Code and ICU data go; relocated read-only data (its own pages), writable data, the
        // heap, a kernel page, an untouched file and a shared mapping stay.
        #expect(released == ["/srv/shepherd", "/opt/swift/usr/lib/swift/linux/lib_FoundationICU.so"])
    }

    @Test("a path with spaces is kept whole; malformed lines are skipped")
    func parsing() {
        let mappings = StartupPages.Mapping.parse("""
            7f00-7f10 r-xp 00000000 fd:01 7 /opt/my app/lib.so
            Rss: 4 kB
            Anonymous: 0 kB
            not a mapping
            Rss: nonsense kB
            """)
        #expect(mappings.count == 1)
        #expect(mappings[0].path == "/opt/my app/lib.so")
        #expect(mappings[0].residentKiB == 4 && mappings[0].isReleasable)
    }

    #if os(Linux)
    @Test("releasing this process's startup pages gives memory back and the code still runs")
    func releasesInProcess() throws {
        let before = try Self.residentFileKiB()
        let released = StartupPages.release()
        #expect(released > 0)
        // Code runs again from the page cache: JSON, regular expressions, formatting.
        let decoded = try JSONDecoder().decode([String: Int].self, from: Data(#"{"a":1}"#.utf8))
        #expect(decoded == ["a": 1])
        #expect(String(format: "%.2f", 1.5) == "1.50")
        #expect(try Self.residentFileKiB() < before)
    }

    @Test("the whole of /proc/self/smaps is read, not only its first page")
    func readsWholeSmaps() throws {
        let maps = try #require(StartupPages.readFile("/proc/self/maps")).split(separator: "\n").count
        let smaps = StartupPages.Mapping.parse(try #require(StartupPages.readFile("/proc/self/smaps")))
        // Threads of other tests may map or unmap between the two reads.
        #expect(maps > 20 && smaps.count * 10 >= maps * 9, "\(smaps.count) mappings in smaps, \(maps) lines in maps")
    }

    /// `RssFile` of /proc/self/status: the resident pages that are mapped files.
    static func residentFileKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssFile:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }
    #endif
}
