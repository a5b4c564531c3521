import NIOCore

/// Closes a connection whose first request head has not fully arrived within a fixed time of its
/// accept, answering `408 Request Timeout` first.
///
/// Hummingbird's idle handler joins the pipeline only once the first head has been parsed (the
/// WebSocket upgrade decides what follows from that head), so before it nothing timed a client
/// out: one that connected and then sent nothing, or a byte a second, held its connection and a
/// file descriptor for as long as it liked. The deadline is absolute, so trickling does not extend
/// it. Placed first among this channel's handlers (after TLS, whose handshake it therefore covers
/// too), it reads the raw bytes for the blank line that ends the head and then removes itself;
/// from there on the idle timeout of the HTTP handler or the WebSocket's own pings apply.
final class RequestHeadDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    /// Line-feeds seen since the last byte that was neither CR nor LF: two mean a blank line, which
    /// ends the head (a lenient parser takes a bare LF as a line end, so this does too).
    private var lineFeeds = 0
    private var finished = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        deadline = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: timeout) { [self, context] in
            expire(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !finished {
            let buffer = unwrapInboundIn(data)
            if containsHeadEnd(buffer.readableBytesView) {
                finished = true
                deadline?.cancel()
                deadline = nil
            }
        }
        context.fireChannelRead(data)
        if finished {
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    /// Whether `bytes` complete the blank line, counting what came before them.
    private func containsHeadEnd(_ bytes: ByteBufferView) -> Bool {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n"):
                lineFeeds += 1
                if lineFeeds == 2 { return true }
            case UInt8(ascii: "\r"):
                continue
            default:
                lineFeeds = 0
            }
        }
        return false
    }

    private func expire(context: ChannelHandlerContext) {
        deadline = nil
        guard !finished, context.channel.isActive else { return }
        finished = true
        var reply = context.channel.allocator.buffer(capacity: 96)
        reply.writeString("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
        context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
        // As for an unparsable request: report the input closed so that the upgrade handler ends its
        // negotiation as for a client that hung up (quietly), then close.
        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        context.close(promise: nil)
    }
}
