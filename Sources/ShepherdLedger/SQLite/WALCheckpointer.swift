import Dispatch
import GRDB

/// Copies the write-ahead log back into the database file from a connection of its own, on a
/// timer. The ledger's writer connection has its automatic checkpoint turned off, so a commit
/// never does this work — and its fsyncs — itself: an inline commit runs on a request's
/// thread (``LedgerWriter``), and a checkpoint falling due there held that thread, and the
/// rows queued behind it, for as long as the disk took. PASSIVE: it never waits for, nor
/// blocks, readers and writers; what it cannot copy now it copies next time.
final class WALCheckpointer: @unchecked Sendable {
    // @unchecked: both are set once in init; GRDB queues and dispatch sources are thread-safe.
    private let connection: DatabaseQueue
    private let timer: DispatchSourceTimer

    init(path: String, interval: DispatchTimeInterval) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        connection = try DatabaseQueue(path: path, configuration: configuration)
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "shepherd.ledger.checkpoint", qos: .utility))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(50))
        timer.setEventHandler { [connection] in _ = try? Self.checkpoint(connection) }
        timer.resume()
    }

    deinit { timer.cancel() }

    /// Runs one passive checkpoint now: the frames in the log, and how many are in the database file.
    @discardableResult
    func checkpointNow() throws -> (logFrames: Int, checkpointedFrames: Int) {
        try Self.checkpoint(connection)
    }

    private static func checkpoint(_ connection: DatabaseQueue) throws -> (logFrames: Int, checkpointedFrames: Int) {
        try connection.writeWithoutTransaction { db in
            let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
            return (row?[1] ?? 0, row?[2] ?? 0)
        }
    }
}
