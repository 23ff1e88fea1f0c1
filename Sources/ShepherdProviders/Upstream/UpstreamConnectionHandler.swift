import NIOCore
import NIOHTTP1

/// The last handler of an upstream connection: writes one exchange's request at a time and
/// gathers its answer, whole or as a stream. The request's head, body and end go out under one
/// flush, so the kernel sees one write per request (AsyncHTTPClient flushes the head on its own).
///
/// Touched only on its channel's event loop.
final class UpstreamConnectionHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// The pool's hooks: the connection can carry another request; the connection closed.
    var onReusable: (() -> Void)?
    var onClose: (() -> Void)?

    private let maxResponseBytes: Int
    private var context: ChannelHandlerContext?
    private var exchange: UpstreamExchange?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?
    /// The current stream's feed, from its head to its end.
    private var source: UpstreamBody.Producer.Source?
    /// Counts the streams this connection has carried, so that a late word from an earlier
    /// stream's reader is not taken for the current one's.
    private var streams = 0
    /// Set while the stream's reader has enough unread; a read asked for meanwhile waits.
    private var readingPaused = false
    private var readPending = false
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
            if let exchange, exchange.isStreamed { beginStream(head, for: exchange, context: context) }
        case .body(var part):
            guard !skippingInformational else { return }
            if let source {
                // The pause follows the latest answer: the sequence asks for more by callback only
                // after a `.stopProducing`, so a `.produceMore` after one must lift it here.
                switch source.yield(part) {
                case .stopProducing: readingPaused = true
                case .produceMore: resumeReading(stream: streams)
                case .dropped: break  // the reader has gone; readerLeft closes the connection
                }
                return
            }
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

    func read(context: ChannelHandlerContext) {
        if readingPaused {
            readPending = true
        } else {
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let closed = onClose
        onReusable = nil
        onClose = nil
        if let exchange {
            endExchange(failing: UpstreamConnectionError(.closed, "\(exchange.endpoint.hostHeader) closed the connection before the answer was complete"))
        }
        closed?()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // An error between exchanges (a TLS peer closing without close_notify) only ends
        // the connection.
        fail(UpstreamConnectionError(.protocolError, String(describing: error)), context: context)
    }

    /// The stream's reader has room again.
    func resumeReading(stream: Int) {
        guard stream == streams, readingPaused else { return }
        readingPaused = false
        if readPending, let context {
            readPending = false
            context.read()
        }
    }

    /// The stream's reader is gone. Before the stream's end the rest of its body would have to
    /// be read and thrown away, so the connection closes instead.
    func readerLeft(stream: Int) {
        guard stream == streams, source != nil else { return }
        context?.close(promise: nil)
    }

    private func beginStream(_ head: HTTPResponseHead, for exchange: UpstreamExchange, context: ChannelHandlerContext) {
        streams += 1
        let produced = UpstreamBody.Producer.makeSequence(
            elementType: ByteBuffer.self, failureType: (any Error).self,
            backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8),
            finishOnDeinit: false,
            delegate: UpstreamBodyPacer(handler: self, loop: context.eventLoop, stream: streams))
        source = produced.source
        exchange.answer(UpstreamStreamingResponse(status: head.status, headers: head.headers, body: UpstreamBody(producer: produced.sequence)))
    }

    private func finish(context: ChannelHandlerContext) {
        guard let exchange, let head else {
            fail(UpstreamConnectionError(.protocolError, "an answer arrived without a request"), context: context)
            return
        }
        let response = UpstreamResponse(status: head.status, headers: head.headers, body: body ?? ByteBuffer())
        let source = self.source
        self.exchange = nil
        self.head = nil
        self.body = nil
        self.source = nil
        readingPaused = false
        if readPending {
            // The read held back for the stream's reader: an idle connection must keep reading to
            // see its upstream close it.
            readPending = false
            context.read()
        }
        exchange.channel = nil
        if head.isKeepAlive, !exchange.isOver {
            onReusable?()
        } else {
            context.close(promise: nil)
        }
        if let source {
            exchange.end()
            source.finish()
        } else {
            exchange.answer(response)
        }
    }

    private func fail(_ error: UpstreamConnectionError, context: ChannelHandlerContext) {
        endExchange(failing: error)
        context.close(promise: nil)
    }

    /// Fails the exchange and its stream; an exchange ended from outside (deadline,
    /// cancellation) keeps that reason over what its closing connection then reports.
    private func endExchange(failing error: any Error) {
        let exchange = self.exchange
        let source = self.source
        self.exchange = nil
        self.source = nil
        let reason = exchange?.abortError ?? error
        exchange?.fail(reason)
        source?.finish(reason)
    }
}
