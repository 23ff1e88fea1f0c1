import NIOCore

/// The executor a request's own tasks should run on: the gateway sets it to the connection's
/// event loop for the connection's lifetime, so that a task a provider starts for a request
/// (a stream's pump, a deadline race) stays on the request's thread as its structured work
/// does, instead of hopping to Swift's global pool and back. Nil (the SDK, tests): no preference.
public enum PreferredExecutor {
    @TaskLocal public static var current: (any TaskExecutor)?
}

/// The event loop of the client connection a request came in on, set by the gateway for every
/// connection, including those whose task runs on the global pool. ``UpstreamConnectionPool``
/// leases its upstream connections on that loop, so the client's socket and the upstream's
/// are served by one thread. Nil (the SDK, tests): the pool picks a loop.
public enum ConnectionEventLoop {
    @TaskLocal public static var current: (any EventLoop)?
}
