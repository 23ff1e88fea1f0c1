import GRDB
import Logging
import ServiceLifecycle
import Synchronization

/// Copies the ledger's write-ahead log into the database file from a connection of its own,
/// in the background and in small steps, so that requests no longer wait for it.
///
/// SQLite's automatic checkpoint runs inside the commit that takes the log past its threshold
/// (1,000 pages by default), and with `synchronous = NORMAL` it syncs the log and the database
/// file to disk. The request whose row that commit carried waited milliseconds: at about four
/// pages per row, one request in 250 at one connection, which set the gateway's p99 (3.3–3.9 ms
/// against 0.55–0.67 ms with no checkpoint at all; docs/PERFORMANCE.md, sixth pass).
///
/// A passive checkpoint here neither waits for nor blocks the writer, but it cannot restart the
/// log: frames appended while it runs stay behind it, and only a checkpoint that has copied
/// every frame lets the next commit start the log over (a checkpointer alone let the log grow
/// to 18.7 GB in a 7-minute soak). So the writers keep their own automatic checkpoint, at
/// ``fallbackPages``: it restarts the log, and finds almost everything copied already, so it
/// syncs little. Small steps matter: at 100 ms or 1 s between checkpoints, each synced more and
/// the tail came back (p99 1.1–1.4 ms and 2.2–4.2 ms); at 20 ms it was 0.61–0.78 ms.
final class WALCheckpointer: Sendable {
    /// How often the log is checked for new rows.
    static let interval: Duration = .milliseconds(20)
    /// The writers' own automatic checkpoint: 40 MB of log with 4 KiB pages.
    static let fallbackPages = 10_000

    private let path: String
    private let logger: Logger
    /// Rows committed since the last checkpoint: an idle gateway checkpoints nothing.
    private let pendingRows = Atomic<Int>(0)
    private let checkpoints = Atomic<Int>(0)

    init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
    }

    func noteCommitted(rows: Int) {
        pendingRows.add(rows, ordering: .relaxed)
    }

    /// Checkpoints run so far (for tests).
    var completedCheckpoints: Int { checkpoints.load(ordering: .relaxed) }

    /// Checkpoints every ``interval`` while rows arrive, until cancelled or shut down, then once
    /// more, so that a stopped gateway leaves its rows in the database file.
    func run() async {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "shepherd.ledger.checkpoint"
        let connection: DatabaseQueue
        do {
            connection = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            logger.warning("cannot open the ledger for background checkpoints; the writers' own checkpoint takes over", metadata: ["shepherd.error": "\(error)"])
            // A service that returns early would stop the gateway: wait for the shutdown instead.
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown { [self] in
            while (try? await Task.sleep(for: Self.interval)) != nil {
                guard pendingRows.exchange(0, ordering: .relaxed) > 0 else { continue }
                await checkpoint(connection)
            }
        }
        await checkpoint(connection)
    }

    private func checkpoint(_ connection: DatabaseQueue) async {
        do {
            // Its own task: a cancelled run() still finishes the checkpoint it started.
            try await Task { try await connection.writeWithoutTransaction { _ = try $0.checkpoint(.passive) } }.value
            checkpoints.add(1, ordering: .relaxed)
        } catch {
            logger.warning("ledger checkpoint failed; the writers' own checkpoint takes over", metadata: ["shepherd.error": "\(error)"])
        }
    }
}
