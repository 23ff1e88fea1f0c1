import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Holds back the flush of a response head written on its own until the end of the event
/// loop's current turn, so that the body part written right behind it leaves in the same
/// write.
///
/// Hummingbird flushes a streamed response's head apart from its body. A relayed stream's head
/// is written only once its first events are in hand (``StreamRelay``), and they follow at once:
/// flushed apart, that was one more system call per stream, and the client got the head in a
/// packet of its own ahead of the first event. When the task runs on the connection's loop the
/// first part is written before the held flush runs; otherwise the flush runs first, as before.
final class ResponseHeadCoalescer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The last write was a final response's head.
    private var lastWasHead = false
    /// A flush is being held for the end of the loop's turn.
    private var holding = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head(let head) = unwrapOutboundIn(data) {
            lastWasHead = head.status.kind != .informational
        } else {
            lastWasHead = false
        }
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        guard lastWasHead else {
            holding = false
            context.flush()
            return
        }
        guard !holding else { return }
        holding = true
        context.eventLoop.assumeIsolated().execute { [self] in
            guard holding else { return }
            holding = false
            context.flush()
        }
    }
}
