import NIOCore
import NIOHTTP1

/// The last handler of an upstream connection: writes one exchange's request at a time and
/// gathers its answer. The request's head, body and end go out under one flush, so the
/// kernel sees one write per request (AsyncHTTPClient flushes the head on its own).
///
/// Touched only on its channel's event loop.
final class UpstreamConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// The pool's hooks: the connection can carry another request; the connection closed.
    var onReusable: (() -> Void)?
    var onClose: (() -> Void)?

    private let maxResponseBytes: Int
    private var context: ChannelHandlerContext?
    private var exchange: UpstreamExchange?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?
    /// Inside a 1xx answer, which precedes the real one.
    private var skippingInformational = false

    init(maxResponseBytes: Int) {
        self.maxResponseBytes = maxResponseBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Sends `exchange`'s request; its answer completes it.
    func start(_ exchange: UpstreamExchange) {
        guard let context, context.channel.isActive, self.exchange == nil else {
            exchange.fail(UpstreamConnectionError(.closed, "the connection to \(exchange.endpoint.hostHeader) closed before the request was sent"))
            return
        }
        self.exchange = exchange
        exchange.channel = context.channel
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(exchange.body))), promise: nil)
        // A failed write closes the channel, and channelInactive fails the exchange.
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.status.code < 200, head.status != .switchingProtocols {
                skippingInformational = true
                return
            }
            self.head = head
        case .body(var part):
            guard !skippingInformational else { return }
            if body == nil {
                body = part
            } else {
                body!.writeBuffer(&part)
            }
            if body!.readableBytes > maxResponseBytes {
                fail(UpstreamConnectionError(.responseTooLarge, "the answer is over \(maxResponseBytes) bytes"), context: context)
            }
        case .end:
            if skippingInformational {
                skippingInformational = false
                return
            }
            finish(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let closed = onClose
        onReusable = nil
        onClose = nil
        if let exchange {
            self.exchange = nil
            exchange.fail(UpstreamConnectionError(.closed, "\(exchange.endpoint.hostHeader) closed the connection before the answer was complete"))
        }
        closed?()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // An error between exchanges (a TLS peer closing without close_notify) only ends
        // the connection.
        fail(UpstreamConnectionError(.protocolError, String(describing: error)), context: context)
    }

    private func finish(context: ChannelHandlerContext) {
        guard let exchange, let head else {
            fail(UpstreamConnectionError(.protocolError, "an answer arrived without a request"), context: context)
            return
        }
        let response = UpstreamResponse(status: head.status, headers: head.headers, body: body ?? ByteBuffer())
        self.exchange = nil
        self.head = nil
        self.body = nil
        exchange.channel = nil
        if head.isKeepAlive, !exchange.isFinished {
            onReusable?()
        } else {
            context.close(promise: nil)
        }
        exchange.succeed(response)
    }

    private func fail(_ error: UpstreamConnectionError, context: ChannelHandlerContext) {
        if let exchange {
            self.exchange = nil
            exchange.fail(error)
        }
        context.close(promise: nil)
    }
}
