import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// An HTTP/1.1 server on 127.0.0.1 whose every answer a test scripts, counting the
/// connections it accepts: what a pool test needs to see reuse, closes and timeouts.
final class ScriptedHTTPServer: Sendable {
    enum Answer: Sendable {
        /// `close` ends the connection after the answer, saying so in a `Connection: close`
        /// header unless `announce` is false; `chunks` above 1 sends the body chunked.
        case respond(status: HTTPResponseStatus = .ok, headers: [(String, String)] = [], body: String, close: Bool = false, announce: Bool = true, chunks: Int = 1)
        /// A chunked event stream: `pieces`, each flushed on its own `gap` after the one before;
        /// then the end, or nothing more when `hangAfter` is set.
        case stream(pieces: [String], gap: TimeAmount = .zero, hangAfter: Bool = false)
        /// Reads the request and never answers.
        case hang
        /// Closes the connection without a byte of answer.
        case drop
    }

    struct Received: Sendable {
        var head: HTTPRequestHead
        var body: String
    }

    let port: Int
    private let channel: any Channel
    private let state: NIOLockedValueBox<State>

    private struct State {
        var accepted = 0
        var received: [Received] = []
    }

    var acceptedConnections: Int { state.withLockedValue { $0.accepted } }
    var received: [Received] { state.withLockedValue { $0.received } }

    /// - Parameter tls: serve HTTPS with this certificate and key.
    init(tls: (certificate: NIOSSLCertificate, key: NIOSSLPrivateKey)? = nil, answer: @escaping @Sendable (Received) -> Answer) async throws {
        let state = NIOLockedValueBox(State())
        self.state = state
        let sslContext = try tls.map {
            try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: [.certificate($0.certificate)], privateKey: .privateKey($0.key)))
        }
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                state.withLockedValue { $0.accepted += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    if let sslContext { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
                    try channel.pipeline.syncOperations.addHandler(ScriptedHandler(state: state, answer: answer))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    func url(_ path: String = "/v1/chat/completions", scheme: String = "http") -> String {
        "\(scheme)://127.0.0.1:\(port)\(path)"
    }

    func stop() async {
        try? await channel.close()
    }

    private final class ScriptedHandler: ChannelInboundHandler, @unchecked Sendable {
        /// Writes the pieces one by one, each after `gap`, on the connection's loop.
        func send(_ pieces: ArraySlice<String>, gap: TimeAmount, hangAfter: Bool, context: ChannelHandlerContext) {
            guard let piece = pieces.first else {
                if !hangAfter { context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil) }
                return
            }
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: piece)))), promise: nil)
            let rest = pieces.dropFirst()
            let next = { self.send(rest, gap: gap, hangAfter: hangAfter, context: context) }
            if gap == .zero {
                next()
            } else {
                let loopBound = NIOLoopBound(next, eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: gap) { loopBound.value() }
            }
        }

        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let state: NIOLockedValueBox<State>
        let answer: @Sendable (Received) -> Answer
        var head: HTTPRequestHead?
        var body = ""

        init(state: NIOLockedValueBox<State>, answer: @escaping @Sendable (Received) -> Answer) {
            self.state = state
            self.answer = answer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = ""
            case .body(let buffer):
                body += String(buffer: buffer)
            case .end:
                guard let head else { return }
                let request = Received(head: head, body: body)
                state.withLockedValue { $0.received.append(request) }
                respond(answer(request), context: context)
            }
        }

        private func respond(_ answer: Answer, context: ChannelHandlerContext) {
            switch answer {
            case .hang:
                return
            case .drop:
                context.close(promise: nil)
            case .stream(let pieces, let gap, let hangAfter):
                let headers = HTTPHeaders([("Content-Type", "text/event-stream")])
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                send(pieces[...], gap: gap, hangAfter: hangAfter, context: context)
            case .respond(let status, let extra, let text, let close, let announce, let chunks):
                var headers = HTTPHeaders(extra)
                if chunks == 1 { headers.add(name: "Content-Length", value: String(text.utf8.count)) }
                if close, announce { headers.add(name: "Connection", value: "close") }
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
                let bytes = Array(text.utf8)
                let size = max(1, (bytes.count + chunks - 1) / max(chunks, 1))
                for start in stride(from: 0, to: bytes.count, by: size) {
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: bytes[start..<min(bytes.count, start + size)])))), promise: nil)
                }
                let channel = context.channel
                let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
                if close { written.whenComplete { _ in channel.close(promise: nil) } }
            }
        }
    }
}

/// A self-signed certificate for `localhost` and 127.0.0.1, valid until 2126, made for these
/// tests with `openssl req -x509 -newkey ec`. Its key protects nothing.
enum TestCertificate {
    static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBmjCCAUGgAwIBAgIUf4471RFX+WKikjv3LE41ypX1Jp0wCgYIKoZIzj0EAwIw
        FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwNjA2MzM1N1oYDzIxMjYxMTEy
        MDYzMzU3WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
        PQMBBwNCAASXuRhvrL8OfI0clkihTo5js0dn8xPjPFZ9xuG5hzpdxdRublGig7He
        o9O7la0cZelkZOVjday/s2PzwzgStonTo28wbTAdBgNVHQ4EFgQUmQP979Vp5TT3
        rt8/TMxi5jX7NnkwHwYDVR0jBBgwFoAUmQP979Vp5TT3rt8/TMxi5jX7NnkwDwYD
        VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
        zj0EAwIDRwAwRAIgCnbTLiw/qoLSFDWSNRrHB5TE1w/Yuklz7UW8Hxr0llwCIHCg
        BNdJiC6I0H0I61T6KcVvr0vyA4vnhWKhbv1zEoyL
        -----END CERTIFICATE-----
        """
    static let keyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg5mZa/mNNnKrc27MT
        kyBREOWHhQZVrdgryGuF5HnS+UehRANCAASXuRhvrL8OfI0clkihTo5js0dn8xPj
        PFZ9xuG5hzpdxdRublGig7Heo9O7la0cZelkZOVjday/s2PzwzgStonT
        -----END PRIVATE KEY-----
        """

    static func load() throws -> (certificate: NIOSSLCertificate, key: NIOSSLPrivateKey) {
        (try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem),
         try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem))
    }
}
