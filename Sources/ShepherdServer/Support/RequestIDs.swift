import Logging
import Synchronization

/// Request ids unique within a process and unlikely to collide across restarts: a random
/// per-process prefix and a counter, cheaper than a UUID on every request.
enum RequestIDs {
    private static let prefix: String = {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() & 0xFF_FFFF_FFFF, radix: 36)
    }()
    private static let counter = Atomic<UInt64>(0)

    /// The id of the request the current task serves. Log lines get it from
    /// ``GatewayLogging/metadataProvider`` when (and only when) one is written, rather than
    /// every request paying to copy it into a logger's metadata.
    @TaskLocal static var current: String?

    static func next() -> String {
        let number = counter.add(1, ordering: .relaxed).newValue
        return "req_\(prefix)\(String(number, radix: 36))"
    }
}
