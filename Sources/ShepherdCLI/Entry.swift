import NIOCore
import NIOPosix

@main
enum Entry {
    static func main() async {
        // Swift tasks run on NIO's event loops rather than a pool of their own: a request's
        // handler, its upstream call and its answer then stay on the thread that read it, where
        // each hop between pools used to put one thread to sleep and wake another (measured:
        // 10 context switches per request at one connection, ~40 µs of CPU each here).
        // It has to happen before the first task is enqueued, so first thing in main.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await ShepherdCommand.main()
    }
}
