import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import ShepherdLedger

/// The writer's inline path: a lone row committed on the caller's thread, everything else
/// batched, and never two commits at once.
@Suite("Ledger writer (inline commits)")
struct LedgerWriterInlineTests {
    @Test("rows that arrive one at a time are committed inline, each durable on return")
    func sequentialRowsInline() async throws {
        try await withTemporaryDatabase { path in
            let store = InlineCountingStore(try SQLiteLedgerStore(path: path))
            try await withWriter(store, maxBatch: 64) { writer in
                for index in 0..<25 { try await writer.record(record("seq\(index)")) }
                #expect(store.inlineCommits == 25)
                #expect(store.batchSizes.isEmpty)
            }
            #expect(try await store.usage(since: nil, groupBy: []).first?.requests == 25)
        }
    }

    @Test("rows that arrive during an inline commit are batched after it, one commit at a time")
    func concurrentRowsBatchedBehindInline() async throws {
        try await withTemporaryDatabase { path in
            let store = InlineCountingStore(try SQLiteLedgerStore(path: path), inlineDelay: .milliseconds(30))
            try await withWriter(store, maxBatch: 64) { writer in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<200 { group.addTask { try await writer.record(record("c\(index)")) } }
                    try await group.waitForAll()
                }
            }
            #expect(store.maxConcurrentCommits == 1)
            #expect(store.inlineCommits >= 1)
            let inlineRows = store.inlineBatches.reduce(0, +)
            let batchedRows = store.batchSizes.reduce(0, +)
            #expect(inlineRows + batchedRows == 200)
            #expect(store.batchSizes.count < 100, "batches: \(store.batchSizes)")
            #expect(try await store.usage(since: nil, groupBy: []).first?.requests == 200)
        }
    }

    @Test("an inline commit that fails hands the row to the batched path, which lands it")
    func inlineFailureFallsBack() async throws {
        try await withTemporaryDatabase { path in
            let store = InlineCountingStore(try SQLiteLedgerStore(path: path), failingInlineCalls: [1])
            try await withWriter(store, maxBatch: 64) { writer in
                try await writer.record(record("retried"))
                try await writer.record(record("inline"))
            }
            #expect(store.batchSizes == [1])
            #expect(store.inlineCommits == 1)
            #expect(try await store.usage(since: nil, groupBy: []).first?.requests == 2)
        }
    }

    @Test(
        "rows that queue behind an inline commit are committed by that caller in one batch; if that batch fails, the writer task commits it",
        arguments: [false, true])
    func inlineCommitterTakesTheQueue(followUpFails: Bool) async throws {
        try await withTemporaryDatabase { path in
            let gate = DispatchSemaphore(value: 0)
            let store = InlineCountingStore(try SQLiteLedgerStore(path: path), gate: gate, failingInlineCalls: followUpFails ? [2] : [])
            try await withWriter(store) { writer in
                let first = Task(executorPreference: QueueTaskExecutor()) { try await writer.record(record("first")) }
                try await waitFor("the first commit to start") { store.inlineStarted == 1 }
                let queued = (0..<5).map { index in Task { try await writer.record(record("q\(index)")) } }
                try await waitFor("the rows to queue") { writer.queuedRows == 5 }
                gate.signal()
                try await first.value
                for task in queued { try await task.value }
            }
            #expect(store.inlineBatches == (followUpFails ? [1] : [1, 5]))
            #expect(store.batchSizes == (followUpFails ? [5] : []))
            #expect(store.maxConcurrentCommits == 1)
            #expect(try await store.usage(since: nil, groupBy: []).first?.requests == 6)
        }
    }

    @Test("shutdown while an inline commit runs still commits the rows queued behind it")
    func shutdownDuringInline() async throws {
        try await withTemporaryDatabase { path in
            // The inline commit is held until the rows behind it have queued and shutdown has begun.
            let gate = DispatchSemaphore(value: 0)
            let store = InlineCountingStore(try SQLiteLedgerStore(path: path), gate: gate)
            let writer = LedgerWriter(store: store)
            let group = ServiceGroup(services: [writer], logger: Logger(label: "test"))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                while !writer.isRunning { try await Task.sleep(for: .milliseconds(1)) }
                let inline = Task(executorPreference: QueueTaskExecutor()) { try await writer.record(record("first")) }
                try await waitFor("the first commit to start") { store.inlineStarted == 1 }
                let queued = (0..<10).map { index in Task { try await writer.record(record("q\(index)")) } }
                try await waitFor("the rows to queue") { writer.queuedRows == 10 }
                await group.triggerGracefulShutdown()
                gate.signal()
                try await inline.value
                for task in queued { try await task.value }
                try await tasks.waitForAll()
            }
            #expect(store.maxConcurrentCommits == 1)
            #expect(try await store.usage(since: nil, groupBy: []).first?.requests == 11)
        }
    }
}

/// Polls `condition` every millisecond; fails after 60 s rather than hang the run.
private func waitFor(_ what: String, _ condition: () -> Bool) async throws {
    let started = ContinuousClock.now
    while !condition() {
        try #require(started.duration(to: .now) < .seconds(60), "timed out waiting for \(what)")
        try await Task.sleep(for: .milliseconds(1))
    }
}

/// Runs a task's jobs on a serial dispatch queue of its own, off Swift's task pool: a test that
/// blocks a commit at a gate must not hold one of the pool's threads (two on this machine) while
/// other tests run alongside.
private final class QueueTaskExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: the queue is thread-safe and set once.
    private let queue = DispatchQueue(label: "shepherd.test.gated-commit")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// A SQLite store that counts inline and batched commits, can hold the first inline commit at a
/// gate, make inline commits slow (a blocking sleep, as a real commit blocks) or fail some of
/// them (by call number, from 1), and records how many commits overlapped.
final class InlineCountingStore: SynchronousLedgerAppending {
    struct InlineFailure: Error {}
    private struct Counts {
        var inline: [Int] = []
        var inlineStarted = 0
        var batches: [Int] = []
        var running = 0
        var maxRunning = 0
    }

    let inner: SQLiteLedgerStore
    let inlineDelay: Duration
    /// When set, the first inline commit waits for a signal (as a commit blocks its thread).
    let gate: DispatchSemaphore?
    let failingInlineCalls: Set<Int>
    private let counts = Mutex(Counts())

    init(
        _ inner: SQLiteLedgerStore, inlineDelay: Duration = .zero, gate: DispatchSemaphore? = nil, failingInlineCalls: Set<Int> = []
    ) {
        self.inner = inner
        self.inlineDelay = inlineDelay
        self.gate = gate
        self.failingInlineCalls = failingInlineCalls
    }

    /// Inline commits that succeeded, and their rows.
    var inlineCommits: Int { counts.withLock { $0.inline.count } }
    var inlineBatches: [Int] { counts.withLock { $0.inline } }
    var inlineStarted: Int { counts.withLock { $0.inlineStarted } }
    var batchSizes: [Int] { counts.withLock { $0.batches } }
    var maxConcurrentCommits: Int { counts.withLock { $0.maxRunning } }

    private func begin() {
        counts.withLock {
            $0.running += 1
            $0.maxRunning = max($0.maxRunning, $0.running)
        }
    }

    private func end() { counts.withLock { $0.running -= 1 } }

    func appendNow(_ records: [UsageRecord]) throws {
        begin()
        defer { end() }
        let call = counts.withLock { counts -> Int in
            counts.inlineStarted += 1
            return counts.inlineStarted
        }
        if failingInlineCalls.contains(call) { throw InlineFailure() }
        if call == 1 { gate?.wait() }
        if inlineDelay > .zero { Thread.sleep(forTimeInterval: Double(inlineDelay.components.seconds) + Double(inlineDelay.components.attoseconds) / 1e18) }
        try inner.appendNow(records)
        counts.withLock { $0.inline.append(records.count) }
    }

    func append(_ records: [UsageRecord]) async throws {
        begin()
        defer { end() }
        try await inner.append(records)
        counts.withLock { $0.batches.append(records.count) }
    }

    func usage(since: Date?, groupBy: [UsageGrouping]) async throws -> [UsageSummaryRow] {
        try await inner.usage(since: since, groupBy: groupBy)
    }

    func reserve(keyID: String, amount: Decimal, limit: Decimal) async throws -> BudgetReservation? {
        try await inner.reserve(keyID: keyID, amount: amount, limit: limit)
    }

    func settle(_ reservation: BudgetReservation, actual: Decimal) async throws {
        try await inner.settle(reservation, actual: actual)
    }

    func spend(keyID: String) async throws -> KeySpend { try await inner.spend(keyID: keyID) }
}
