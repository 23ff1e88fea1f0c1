import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import Testing

@testable import ShepherdProviders

@Suite("Upstream connection pool")
struct UpstreamConnectionPoolTests {
    /// The loop a test's requests are leased on, as the gateway leases them on their client
    /// connection's loop; connections are kept per loop.
    private let loop = MultiThreadedEventLoopGroup.singleton.next()
    /// Far beyond what any exchange here needs: the whole suite shares two cores, and its
    /// CPU-bound tests have held Swift's task pool for ten seconds at a time.
    private static let generous: TimeAmount = .seconds(60)

    private func send(
        _ pool: UpstreamConnectionPool, to url: String, body: String = #"{"model":"m"}"#, within timeout: TimeAmount = generous,
        anyLoop: Bool = false
    ) async throws -> UpstreamResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        let request = UpstreamRequest(endpoint: try UpstreamEndpoint(url: url), headers: headers, body: ByteBuffer(string: body))
        return try await ConnectionEventLoop.$current.withValue(anyLoop ? nil : loop) {
            try await pool.execute(request, deadline: .now() + timeout)
        }
    }

    private func stream(
        _ pool: UpstreamConnectionPool, to url: String, body: String = "stream", within timeout: TimeAmount = generous
    ) async throws -> UpstreamStreamingResponse {
        let request = UpstreamRequest(endpoint: try UpstreamEndpoint(url: url), headers: HTTPHeaders(), body: ByteBuffer(string: body))
        return try await ConnectionEventLoop.$current.withValue(loop) {
            try await pool.stream(request, deadline: .now() + timeout)
        }
    }

    private func connectionError(_ operation: () async throws -> UpstreamResponse) async -> UpstreamConnectionError? {
        do {
            _ = try await operation()
            return nil
        } catch {
            return error as? UpstreamConnectionError
        }
    }

    @Test("sequential requests share one keep-alive connection; the request and the answer arrive whole")
    func keepAlive() async throws {
        let server = try await ScriptedHTTPServer { .respond(headers: [("X-Seen", "1")], body: "answer to \($0.body)") }
        let pool = UpstreamConnectionPool()
        for index in 0..<3 {
            let response = try await send(pool, to: server.url() + "?v=1", body: "request \(index)")
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "answer to request \(index)")
            #expect(response.headers.first(name: "x-seen") == "1")
        }
        #expect(server.acceptedConnections == 1)
        let first = try #require(server.received.first)
        #expect(first.head.method == .POST)
        #expect(first.head.uri == "/v1/chat/completions?v=1")
        #expect(first.head.headers.first(name: "host") == "127.0.0.1:\(server.port)")
        #expect(first.head.headers.first(name: "content-length") == "9")
        #expect(first.head.headers.first(name: "content-type") == "application/json")
        await pool.shutdown()
        await server.stop()
    }

    @Test("an answer that closes its connection, announced or not, is read whole; the next request opens a new connection")
    func closedAfterAnswer() async throws {
        let count = Atomic<Int>(0)
        let server = try await ScriptedHTTPServer { _ in
            let index = count.add(1, ordering: .relaxed).newValue
            return .respond(body: "answer \(index)", close: true, announce: index == 1)
        }
        let pool = UpstreamConnectionPool()
        #expect(String(buffer: try await send(pool, to: server.url()).body) == "answer 1")
        #expect(String(buffer: try await send(pool, to: server.url()).body) == "answer 2")
        // The unannounced close reaches the pool a moment after the answer.
        try await Task.sleep(for: .milliseconds(200))
        #expect(String(buffer: try await send(pool, to: server.url()).body) == "answer 3")
        #expect(server.acceptedConnections == 3)
        await pool.shutdown()
        await server.stop()
    }

    @Test("a chunked answer and a 500 come back whole, whatever their status")
    func chunkedAndStatus() async throws {
        let long = String(repeating: "0123456789", count: 5_000)
        let server = try await ScriptedHTTPServer { request in
            request.body == "fail" ? .respond(status: .internalServerError, body: #"{"error":{"message":"boom"}}"#) : .respond(body: long, chunks: 7)
        }
        let pool = UpstreamConnectionPool()
        #expect(String(buffer: try await send(pool, to: server.url()).body) == long)
        let failed = try await send(pool, to: server.url(), body: "fail")
        #expect(failed.status == .internalServerError)
        #expect(String(buffer: failed.body) == #"{"error":{"message":"boom"}}"#)
        #expect(server.acceptedConnections == 1)
        await pool.shutdown()
        await server.stop()
    }

    @Test("an upstream that never answers fails at the deadline as a timeout, and its connection is not reused")
    func deadline() async throws {
        let server = try await ScriptedHTTPServer { $0.body == "hang" ? .hang : .respond(body: "ok") }
        let pool = UpstreamConnectionPool()
        let started = ContinuousClock.now
        let error = await connectionError { try await send(pool, to: server.url(), body: "hang", within: .milliseconds(200)) }
        #expect(error?.code == .timeout)
        // Far below the server's forever; loose, since the whole suite shares two cores.
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(String(buffer: try await send(pool, to: server.url()).body) == "ok")
        #expect(server.acceptedConnections == 2)
        await pool.shutdown()
        await server.stop()
    }

    @Test("cancelling the caller ends its exchange at once")
    func cancellation() async throws {
        let server = try await ScriptedHTTPServer { _ in .hang }
        let pool = UpstreamConnectionPool()
        let call = Task { try await send(pool, to: server.url(), within: .seconds(60)) }
        while server.received.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        call.cancel()
        let result = await call.result
        #expect(throws: CancellationError.self) { try result.get() }
        await pool.shutdown()
        await server.stop()
    }

    @Test("a dropped connection, an answer over the limit and a refused connection each fail with their own code")
    func failures() async throws {
        let server = try await ScriptedHTTPServer { $0.body == "drop" ? .drop : .respond(body: String(repeating: "x", count: 2_000)) }
        var configuration = UpstreamConnectionPool.Configuration()
        configuration.maxResponseBytes = 1_000
        let pool = UpstreamConnectionPool(configuration: configuration)
        #expect(await connectionError { try await send(pool, to: server.url(), body: "drop") }?.code == .closed)
        #expect(await connectionError { try await send(pool, to: server.url()) }?.code == .responseTooLarge)
        let port = server.port
        await server.stop()
        #expect(await connectionError { try await send(pool, to: "http://127.0.0.1:\(port)/v1") }?.code == .connect)
        await pool.shutdown()
    }

    @Test("https: a trusted certificate serves requests on one connection; an untrusted one fails")
    func tls() async throws {
        let identity = try TestCertificate.load()
        let server = try await ScriptedHTTPServer(tls: identity) { .respond(body: "secure \($0.body)") }
        var configuration = UpstreamConnectionPool.Configuration()
        configuration.tls.trustRoots = .certificates([identity.certificate])
        let pool = UpstreamConnectionPool(configuration: configuration)
        let url = "https://localhost:\(server.port)/v1/chat/completions"
        #expect(String(buffer: try await send(pool, to: url, body: "a").body) == "secure a")
        #expect(String(buffer: try await send(pool, to: url, body: "b").body) == "secure b")
        #expect(server.acceptedConnections == 1)
        #expect(server.received.first?.head.headers.first(name: "host") == "localhost:\(server.port)")

        let untrusting = UpstreamConnectionPool()
        #expect(await connectionError { try await send(untrusting, to: url) } != nil)
        #expect(server.received.count == 2)
        await pool.shutdown()
        await untrusting.shutdown()
        await server.stop()
    }

    @Test("concurrent requests from outside the event loops each get their own answer")
    func concurrent() async throws {
        let server = try await ScriptedHTTPServer { .respond(body: "echo \($0.body)") }
        let pool = UpstreamConnectionPool()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<64 {
                group.addTask {
                    for round in 0..<5 {
                        let response = try await send(pool, to: server.url(), body: "\(index)-\(round)", anyLoop: true)
                        #expect(String(buffer: response.body) == "echo \(index)-\(round)")
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(server.received.count == 320)
        // Without a client connection's loop the requests spread over the loops, each with its own connections.
        #expect(server.acceptedConnections <= 64 * NIOSingletons.groupLoopCountSuggestion)
        await pool.shutdown()
        await server.stop()
    }

    /// A pool allowed `perLoop` connections per upstream on each event loop.
    private func cappedPool(perLoop: Int) -> UpstreamConnectionPool {
        var configuration = UpstreamConnectionPool.Configuration()
        configuration.maxConnectionsPerUpstream = perLoop * NIOSingletons.groupLoopCountSuggestion
        return UpstreamConnectionPool(configuration: configuration)
    }

    @Test("requests beyond the connection cap wait for a free connection and all get their answers")
    func connectionCap() async throws {
        let server = try await ScriptedHTTPServer { .stream(pieces: ["echo ", $0.body], gap: .milliseconds(20)) }
        let pool = cappedPool(perLoop: 2)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<12 {
                group.addTask {
                    let response = try await send(pool, to: server.url(), body: "\(index)")
                    #expect(String(buffer: response.body) == "echo \(index)")
                }
            }
            try await group.waitForAll()
        }
        #expect(server.received.count == 12)
        #expect(server.acceptedConnections == 2)
        await pool.shutdown()
        await server.stop()
    }

    @Test("a request waiting at the cap times out by its own deadline; a closed connection's place goes to the next")
    func connectionCapWaiters() async throws {
        let server = try await ScriptedHTTPServer { $0.body == "hang" ? .hang : .respond(body: "ok") }
        let pool = cappedPool(perLoop: 1)
        let hung = Task { try await send(pool, to: server.url(), body: "hang") }
        while server.received.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await connectionError { try await send(pool, to: server.url(), within: .milliseconds(200)) }?.code == .timeout)
        #expect(server.acceptedConnections == 1)

        let waiting = Task { try await send(pool, to: server.url(), body: "after") }
        try await Task.sleep(for: .milliseconds(100))
        #expect(server.received.count == 1)
        // Cancelling the hung request closes its connection; the waiter gets a new one.
        hung.cancel()
        #expect(String(buffer: try await waiting.value.body) == "ok")
        #expect(server.acceptedConnections == 2)
        await pool.shutdown()
        await server.stop()
    }

    @Test("a streamed answer arrives piece by piece; its connection then carries the next request")
    func streamed() async throws {
        let pieces = (0..<5).map { "data: {\"n\":\($0)}\n\n" }
        let server = try await ScriptedHTTPServer { $0.body == "stream" ? .stream(pieces: pieces, gap: .milliseconds(5)) : .respond(body: "whole") }
        let pool = UpstreamConnectionPool()
        let response = try await stream(pool, to: server.url())
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "content-type") == "text/event-stream")
        var received: [String] = []
        for try await piece in response.body { received.append(String(buffer: piece)) }
        #expect(received.joined() == pieces.joined())
        #expect(received.count > 1)
        #expect(String(buffer: try await send(pool, to: server.url()).body) == "whole")
        #expect(server.acceptedConnections == 1)
        await pool.shutdown()
        await server.stop()
    }

    @Test("a slow reader paces a long stream, gets all of it, and the connection is reused after")
    func pacedStream() async throws {
        let pieces = (0..<400).map { "data: \(String(repeating: "x", count: 1_000)) \($0)\n\n" }
        let server = try await ScriptedHTTPServer { $0.body == "stream" ? .stream(pieces: pieces) : .respond(body: "whole") }
        let pool = UpstreamConnectionPool()
        let response = try await stream(pool, to: server.url())
        var received = ""
        var reads = 0
        // This stalled for good, 1 run in 8, until a `.produceMore` from `yield` lifted a pause
        // that the sequence would never call back for.
        for try await piece in response.body {
            received += String(buffer: piece)
            reads += 1
            if reads % 20 == 0 { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(received == pieces.joined())
        // The connection kept reading once idle: it still answers, and the server's close would be seen.
        #expect(String(buffer: try await send(pool, to: server.url()).body) == "whole")
        #expect(server.acceptedConnections == 1)
        await pool.shutdown()
        await server.stop()
    }

    @Test("a reader that leaves mid-stream closes the connection; one that stalls upstream runs into the deadline")
    func abandonedAndStalledStreams() async throws {
        let server = try await ScriptedHTTPServer { request in
            switch request.body {
            case "stall": .stream(pieces: ["data: 1\n\n"], hangAfter: true)
            case "stream": .stream(pieces: (0..<50).map { "data: \($0)\n\n" }, gap: .milliseconds(20))
            default: .respond(body: "whole")
            }
        }
        let pool = UpstreamConnectionPool()
        do {
            let response = try await stream(pool, to: server.url())
            var iterator = response.body.makeAsyncIterator()
            #expect(try await iterator.next() != nil)
        }
        #expect(String(buffer: try await send(pool, to: server.url()).body) == "whole")
        #expect(server.acceptedConnections == 2)

        let stalled = try await stream(pool, to: server.url(), body: "stall", within: .milliseconds(300))
        var pieces = 0
        do {
            for try await _ in stalled.body { pieces += 1 }
            Issue.record("a stalled stream ended without an error")
        } catch {
            #expect((error as? UpstreamConnectionError)?.code == .timeout)
        }
        #expect(pieces == 1)
        await pool.shutdown()
        await server.stop()
    }

    @Test("after shutdown a request fails and the idle connections are closed")
    func shutdown() async throws {
        let server = try await ScriptedHTTPServer { _ in .respond(body: "ok") }
        let pool = UpstreamConnectionPool()
        _ = try await send(pool, to: server.url())
        await pool.shutdown()
        #expect(await connectionError { try await send(pool, to: server.url()) }?.code == .shutdown)
        #expect(server.acceptedConnections == 1)
        await server.stop()
    }

    @Test("an endpoint keeps its path and query, and sends the port only when it is not the default")
    func endpoints() throws {
        let plain = try UpstreamEndpoint(url: "http://relay.example/v1/chat/completions")
        #expect(!plain.usesTLS && plain.port == 80 && plain.hostHeader == "relay.example")
        #expect(plain.target == "/v1/chat/completions")
        let secure = try UpstreamEndpoint(url: "HTTPS://api.example:8443/openai/v1/chat/completions?api-version=2024-10-21")
        #expect(secure.usesTLS && secure.port == 8443 && secure.hostHeader == "api.example:8443")
        #expect(secure.target == "/openai/v1/chat/completions?api-version=2024-10-21")
        #expect(!secure.hostIsIPAddress)
        let v6 = try UpstreamEndpoint(url: "http://[::1]:9000/chat/completions")
        #expect(v6.host == "::1" && v6.hostHeader == "[::1]:9000" && v6.hostIsIPAddress)
        #expect(try UpstreamEndpoint(url: "https://127.0.0.1/x").hostIsIPAddress)
        for bad in ["ftp://host/x", "/chat/completions", "http:///x", "not a url"] {
            #expect(throws: UpstreamConnectionError.self) { try UpstreamEndpoint(url: bad) }
        }
    }
}
