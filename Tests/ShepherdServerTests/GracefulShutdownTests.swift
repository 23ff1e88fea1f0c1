import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Testing

@Suite("Graceful shutdown")
struct GracefulShutdownTests {
    @Test("a request in flight when shutdown begins still gets its answer")
    func drainsInFlight() async throws {
        let gateway = try TestGateway("""
            server: { auth: none }
            storage: sqlite://k.db
            providers:
              slow: { kind: mock, latency_ms: 800 }
            models:
              chat: { targets: [{ provider: slow, model: m }] }
            """)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = gateway.gateway.makeApplication(port: 0, host: "127.0.0.1") { port in portContinuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test")))
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions")
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: userMessage("chat", "still answered")))
            async let inFlight = client.execute(request, timeout: .seconds(10))
            // Let the request reach the gateway and wait on the slow upstream.
            try await Task.sleep(for: .milliseconds(300))
            await group.triggerGracefulShutdown()
            let response = try await inFlight
            #expect(response.status == .ok)
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            #expect(body.contains("still answered"))
            try await tasks.waitForAll()
        }
        try await client.shutdown()
    }
}
