import AsyncHTTPClient
import Hummingbird
import HummingbirdTesting
import NIOCore
import ShepherdProviders
import Testing

@testable import ShepherdServer

/// A request context that remembers its connection's event loop.
private struct LoopContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let eventLoop: any EventLoop

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        eventLoop = source.channel.eventLoop
    }
}

@Suite("Connections on their own event loop")
struct EventLoopBoundChannelTests {
    @Test("a request runs on its connection's loop before and after an upstream call, its provider tasks follow, offLoop leaves it")
    func staysOnTheLoop() async throws {
        try await FakeUpstream().run { upstreamPort in
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            let router = Router(context: LoopContext.self)
            router.get("/where") { _, context -> String in
                let loop = context.eventLoop
                let before = loop.inEventLoop
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(upstreamPort)/v1/chat/completions")
                request.method = .POST
                request.body = .bytes(ByteBuffer(string: #"{"model":"m","messages":[]}"#))
                let response = try await http.execute(request, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 1 << 20)
                let after = loop.inEventLoop
                // What a provider's own task (a stream pump, a deadline race) is started with.
                let spawned = await Task(executorPreference: PreferredExecutor.current) { loop.inEventLoop }.value
                let away = await offLoop { loop.inEventLoop }
                let back = loop.inEventLoop
                return "\(before) \(after) \(spawned) \(away) \(back)"
            }
            let app = Application(
                router: router, server: .eventLoopBoundHTTP1(limit: 1), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                for _ in 0..<10 {
                    try await client.execute(uri: "/where", method: .get) { response in
                        #expect(String(buffer: response.body) == "true true true false true")
                    }
                }
            }
            try await http.shutdown()
        }
    }

    @Test("a connection beyond the limit runs as Hummingbird runs it, off the loop (so the check above can fail)")
    func beyondTheLimit() async throws {
        let router = Router(context: LoopContext.self)
        router.get("/where") { _, context -> String in "\(context.eventLoop.inEventLoop) \(PreferredExecutor.current == nil)" }
        let app = Application(
            router: router, server: .eventLoopBoundHTTP1(limit: 0), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await client.execute(uri: "/where", method: .get) { response in
                #expect(String(buffer: response.body) == "false true")
            }
        }
    }

    @Test("places are claimed up to the limit and freed when a connection closes")
    func placesUpToTheLimit() {
        let bound = BoundConnections(limit: 2)
        #expect(bound.claim())
        #expect(bound.claim())
        #expect(!bound.claim())
        #expect(bound.current == 2)
        bound.release()
        #expect(bound.claim())
        #expect(!bound.claim())
    }
}
