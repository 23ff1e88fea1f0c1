import NIOCore
import NIOHTTP1
import NIOPosix
import ShepherdProviders

/// `shepherd-floor --server nio`: the same proxy written directly on SwiftNIO's channel
/// handlers, without Hummingbird and without async/await: each client connection is paired with
/// one keep-alive upstream connection on the same event loop, and the parts of each answer are
/// passed on as they arrive. It measures what the language and NIO cost, apart from the server
/// framework and the hops between NIO's callbacks and Swift's tasks.
enum NIOFloor {
    static func run(port: Int, upstream: UpstreamEndpoint) throws {
        guard !upstream.usesTLS else { throw UsageError(message: "--server nio speaks plain http:// to its upstream") }
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ClientSideHandler(upstream: upstream))
                }
            }
            .bind(host: "127.0.0.1", port: port).wait()
        try server.closeFuture.wait()
    }
}

/// One client connection: collects a request, sends it on the connection's own upstream
/// connection, and passes the answer's parts back.
private final class ClientSideHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let upstream: UpstreamEndpoint
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var upstreamChannel: EventLoopFuture<any Channel>?

    init(upstream: UpstreamEndpoint) {
        self.upstream = upstream
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
        case .body(var part):
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            guard let head else { return }
            if head.uri == "/healthz" {
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "2")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                return
            }
            forward(head: head, body: body ?? ByteBuffer(), context: context)
        }
    }

    private func forward(head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let client = context.channel
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        if upstreamChannel == nil {
            let relay = UpstreamSideHandler(client: client)
            upstreamChannel = ClientBootstrap(group: context.eventLoop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(relay)
                    }
                }
                .connect(host: upstream.host, port: upstream.port)
        }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: upstream.hostHeader)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        if let authorization = head.headers.first(name: "Authorization") { headers.add(name: "Authorization", value: authorization) }
        let request = HTTPRequestHead(version: .http1_1, method: .POST, uri: upstream.target, headers: headers)
        upstreamChannel!.whenComplete { result in
            switch result {
            case .success(let channel):
                channel.write(HTTPClientRequestPart.head(request), promise: nil)
                channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            case .failure:
                loopBound.value.close(promise: nil)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        upstreamChannel?.whenSuccess { $0.close(promise: nil) }
        context.fireChannelInactive()
    }
}

/// The upstream side of a pair: each part of an answer goes straight to the client connection.
private final class UpstreamSideHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used only on the pair's one event loop.
    typealias InboundIn = HTTPClientResponsePart

    private let client: any Channel

    init(client: any Channel) {
        self.client = client
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            client.write(HTTPServerResponsePart.head(head), promise: nil)
        case .body(let part):
            client.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(part)), promise: nil)
        case .end(let trailers):
            client.writeAndFlush(HTTPServerResponsePart.end(trailers), promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.close(promise: nil)
        context.fireChannelInactive()
    }
}
