/// The executor a request's own tasks should run on: the gateway sets it to the connection's
/// event loop for the connection's lifetime, so that a task a provider starts for a request
/// (a stream's pump, a deadline race) stays on the request's thread as its structured work
/// does, instead of hopping to Swift's global pool and back. Nil (the SDK, tests): no preference.
public enum PreferredExecutor {
    @TaskLocal public static var current: (any TaskExecutor)?
}
