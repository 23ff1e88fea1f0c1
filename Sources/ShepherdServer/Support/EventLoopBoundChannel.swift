import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ShepherdProviders
import Synchronization

/// HTTP/1.1 connections whose task runs on the connection's own event loop — the first few.
///
/// Hummingbird handles each connection in a task on Swift's global pool, while its socket,
/// and the upstream connection the HTTP client leases for it, live on a NIO event loop: every
/// request then crosses between the two thread pools several times (9–10 context switches per
/// request at one connection, measured), each crossing a thread put to sleep and woken.
/// Preferring the channel's event loop as the connection task's executor keeps a request on one
/// thread from socket to socket (1.8 switches per request): the upstream call is pinned to the
/// same loop (`UpstreamConnectionPool` leases a connection of the caller's loop), and its
/// answer resumes the task right there.
///
/// That wins while there are few connections, and loses when there are many: with 8 or 32
/// busy connections the same work cost 10–35 % more CPU per request on the loops than split
/// between the loops (sockets) and the task pool (everything else), measured side by side in
/// three alternating rounds. So only the first ``BoundConnections/limit`` open connections
/// are bound; the others run as Hummingbird runs them. A bound connection stays bound for its
/// lifetime, and frees its place when it closes.
///
/// Unlike installing the event loops as Swift's *global* executor (tried and dropped: a task
/// stays on whichever loop last resumed it, and under load the work drifted onto one loop),
/// a bound connection stays on the loop its socket was accepted on. Work that may run long on
/// the CPU leaves the loop explicitly (``offLoop(_:)``).
struct EventLoopBoundChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let bound: BoundConnections

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        guard bound.claim() else {
            await ConnectionEventLoop.$current.withValue(value.channel.eventLoop) {
                await base.handle(value: value, logger: logger)
            }
            return
        }
        defer { bound.release() }
        let executor = EventLoopTaskExecutor(value.channel.eventLoop)
        await withTaskExecutorPreference(executor) {
            // Tasks the providers start for a request (stream pumps, deadline races) follow.
            await PreferredExecutor.$current.withValue(executor) {
                await base.handle(value: value, logger: logger)
            }
        }
    }
}

/// How many connections run on their event loop at most, and how many do now.
final class BoundConnections: Sendable {
    let limit: Int
    private let count = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a place if one is free.
    func claim() -> Bool {
        var current = count.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = count.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release() {
        count.subtract(1, ordering: .relaxed)
    }

    var current: Int { count.load(ordering: .relaxed) }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with the first `limit` open connections' tasks on their channels' event loops
    /// (by default one per loop), a streamed response's head leaving with its first body part.
    /// Public for `bench/gateway/floor`, which measures this server with nothing behind it.
    public static func eventLoopBoundHTTP1(limit: Int = NIOSingletons.groupLoopCountSuggestion) -> HTTPServerBuilder {
        let configuration = HTTP1Channel.Configuration(additionalChannelHandlers: [ResponseHeadCoalescer()])
        let bound = BoundConnections(limit: limit)
        return HTTPServerBuilder { responder in
            EventLoopBoundChannel(base: HTTP1Channel(responder: responder, configuration: configuration), bound: bound)
        }
    }
}

/// A `TaskExecutor` that runs jobs on one NIO event loop.
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: the loop is set once; EventLoop is thread-safe.
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Runs CPU-heavy work (counting the tokens of a long prompt, decoding a large body) on Swift's
/// global pool rather than on the connection's event loop, where it would stall every other
/// connection of that loop; cheap work stays where it is.
func offLoop<T, Failure: Error>(_ work: () async throws(Failure) -> T) async throws(Failure) -> T {
    try await withTaskExecutorPreference(globalConcurrentExecutor, operation: work)
}
