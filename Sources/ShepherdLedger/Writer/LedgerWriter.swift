import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Writes ledger rows with group commit: while one transaction is being committed, every row
/// that arrives waits for the next one, so under load one commit carries many rows and the
/// ledger costs the hot path one await, not one transaction.
///
/// A row that arrives while nothing is being written, with a store that can commit on the
/// caller's thread (SQLite), is committed right there: at low concurrency handing it to the
/// writer task and being woken back cost more than the commit (measured: 4.5 more context
/// switches per request at one connection). Only one commit runs at a time, inline or batched
/// (``State/committer``), so the batches keep their order and size.
///
/// The rows that queued behind an inline commit are committed by the same caller before it
/// lets go (``inlineFollowUps`` batches at most), rather than by waking the writer task, which
/// then hands the batch to the store's queue and is woken back: at four to eight connections
/// that took 10–15 % more requests per second (docs/PERFORMANCE.md, seventh pass).
///
/// Add it to the service group *before* the HTTP server: groups shut down in reverse order, so
/// the server drains first and the writer then flushes what is left. Before ``run()`` starts
/// and after it ends, ``record(_:)`` writes directly, so a row is never dropped or left waiting.
public final class LedgerWriter: Service {
    private let store: any LedgerStore
    private let logger: Logger
    private let maxBatch: Int
    private let metrics = LedgerMetrics()
    private let state = Mutex(State())
    /// With `storage: none` rows are dropped here, before any batching.
    private let discards: Bool
    /// Set when the store can commit on the caller's thread.
    private let inlineStore: (any SynchronousLedgerAppending)?

    /// - Parameter maxBatch: rows per transaction at most, so one commit stays short.
    public init(store: any LedgerStore, maxBatch: Int = 512, logger: Logger = Logger(label: "shepherd.ledger")) {
        precondition(maxBatch > 0, "a batch holds at least one row")
        self.store = store
        self.discards = store is DisabledLedgerStore
        self.inlineStore = store as? any SynchronousLedgerAppending
        self.maxBatch = maxBatch
        self.logger = logger
    }

    /// Returns once the row is committed (durable), or throws if the commit failed.
    public func record(_ record: UsageRecord) async throws {
        if discards { return }
        if let inlineStore, state.withLock({ $0.claimInline() }) {
            do {
                try commitInline([record], to: inlineStore)
                commitQueuedInline(to: inlineStore)
                releaseInline()
                return
            } catch {
                // The batched path retries, and reports a failure that lasts.
                releaseInline()
            }
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            submit(Pending(record: record, done: continuation))
        }
    }

    /// Batches an inline committer takes over from the queue before it lets go; past them the
    /// writer task takes the rest, so one caller's answer is not held up for long.
    static let inlineFollowUps = 2

    private func commitInline(_ records: [UsageRecord], to store: any SynchronousLedgerAppending) throws {
        let clock = ContinuousClock()
        let started = clock.now
        try store.appendNow(records)
        metrics.committed(records, after: clock.now - started)
        warnUnpriced(records)
    }

    /// Commits, on the caller's thread, the rows that queued while its own commit ran. A failed
    /// batch goes back to the head of the queue, for the writer task to retry and report.
    private func commitQueuedInline(to store: any SynchronousLedgerAppending) {
        for _ in 0..<Self.inlineFollowUps {
            let batch = state.withLock { $0.takeBatch(upTo: maxBatch) }
            guard !batch.isEmpty else { return }
            do {
                try commitInline(batch.map(\.record), to: store)
            } catch {
                state.withLock { $0.queue.insert(contentsOf: batch, at: 0) }
                return
            }
            for pending in batch { pending.done?.resume() }
        }
    }

    /// Queues a row without waiting (shadow calls): nothing is delayed by it. A failure is logged.
    public func recordDetached(_ record: UsageRecord) {
        if discards { return }
        submit(Pending(record: record, done: nil))
    }

    /// Whether ``run()`` is batching rows now (for readiness checks and tests).
    public var isRunning: Bool { state.withLock { $0.phase == .running } }

    /// Rows waiting for a batch (for tests).
    var queuedRows: Int { state.withLock { $0.queue.count } }

    public func run() async throws {
        state.withLock { $0.phase = .running }
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                while let batch = await nextBatch() {
                    await commit(batch)
                    state.withLock { $0.committer = .none }
                }
            } onGracefulShutdown: {
                self.stop()
            }
        } onCancel: {
            self.stop()
        }
    }

    private func submit(_ pending: Pending) {
        let step = state.withLock { state -> SubmitStep in
            guard state.phase == .running else { return .direct }
            state.queue.append(pending)
            // While an inline commit runs, its caller wakes the writer when it is done.
            guard state.committer == .none else { return .queued(wake: nil) }
            defer { state.wakeup = nil }
            return .queued(wake: state.wakeup)
        }
        switch step {
        case .queued(let wake): wake?.resume()
        case .direct: Task { await self.commit([pending]) }
        }
    }

    /// Ends an inline commit, waking the writer for the rows that queued meanwhile.
    private func releaseInline() {
        let wake = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.committer = .none
            guard !state.queue.isEmpty || state.phase == .stopped else { return nil }
            defer { state.wakeup = nil }
            return state.wakeup
        }
        wake?.resume()
    }

    private func stop() {
        let wake = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.phase = .stopped
            defer { state.wakeup = nil }
            return state.wakeup
        }
        wake?.resume()
    }

    /// The next batch, waiting for one if the queue is empty or an inline commit is running;
    /// nil once stopped, drained, and no inline commit is left running.
    private func nextBatch() async -> [Pending]? {
        while true {
            let taken = state.withLock { state -> [Pending]? in
                guard !state.queue.isEmpty, state.committer == .none else { return nil }
                state.committer = .batch
                return state.takeBatch(upTo: maxBatch)
            }
            if let taken { return taken }
            if state.withLock({ $0.phase == .stopped && $0.queue.isEmpty && $0.committer == .none }) { return nil }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.committer == .none, !state.queue.isEmpty || state.phase == .stopped { return true }
                    state.wakeup = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Commits a batch, retrying a little (inserts are idempotent), then answers every waiter.
    private func commit(_ batch: [Pending]) async {
        let records = batch.map(\.record)
        let clock = ContinuousClock()
        let started = clock.now
        var failure: (any Error)?
        for delay in [0, 20, 200] {
            if delay > 0 { try? await Task.sleep(for: .milliseconds(delay)) }
            do {
                // Its own task: a cancelled `run()` must still get the rows it holds to disk.
                try await Task { [store] in try await store.append(records) }.value
                failure = nil
                break
            } catch {
                failure = error
            }
        }
        if let failure {
            metrics.failed()
            logger.error(
                "ledger commit failed", metadata: ["shepherd.ledger.rows": "\(batch.count)", "shepherd.error": "\(failure)"])
            for pending in batch { pending.done?.resume(throwing: failure) }
            return
        }
        metrics.committed(records, after: clock.now - started)
        warnUnpriced(records)
        for pending in batch { pending.done?.resume() }
    }

    /// One warning per unpriced target for the writer's lifetime, not one per request.
    private func warnUnpriced(_ records: [UsageRecord]) {
        let unpriced = records.filter { !$0.priced }
        guard !unpriced.isEmpty else { return }
        let fresh = state.withLock { state in
            unpriced.map { "\($0.provider)/\($0.targetModel)" }.filter { state.warned.insert($0).inserted }
        }
        for target in fresh {
            logger.warning(
                "no price known for this target; its ledger rows are flagged unpriced (set pricing: in the config)",
                metadata: ["shepherd.target": "\(target)"])
        }
    }

    private struct Pending: Sendable {
        var record: UsageRecord
        var done: CheckedContinuation<Void, any Error>?
    }

    private enum SubmitStep {
        case queued(wake: CheckedContinuation<Void, Never>?)
        case direct
    }

    private struct State: Sendable {
        enum Phase { case idle, running, stopped }
        /// Who is committing now: nobody, a caller on its own thread, or ``run()``'s batch.
        enum Committer { case none, inline, batch }
        var phase = Phase.idle
        var queue: [Pending] = []
        var committer = Committer.none
        var wakeup: CheckedContinuation<Void, Never>?
        var warned: Set<String> = []

        /// The oldest queued rows, at most `limit`, off the queue.
        mutating func takeBatch(upTo limit: Int) -> [Pending] {
            let count = min(limit, queue.count)
            defer { queue.removeFirst(count) }
            return Array(queue.prefix(count))
        }

        /// Takes the commit for a caller's own row when nothing else is committing or waiting.
        mutating func claimInline() -> Bool {
            guard phase == .running, committer == .none, queue.isEmpty else { return false }
            committer = .inline
            return true
        }
    }
}
