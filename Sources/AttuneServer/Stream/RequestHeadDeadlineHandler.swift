import NIOCore

/// Closes a connection whose request head does not fully arrive in time: the first head within a
/// fixed time of the accept (answered `408 Request Timeout`), each later head on a kept-alive
/// connection within the same time of its first byte (closed).
///
/// Hummingbird's idle handler joins the pipeline only once the first head has been parsed (the
/// WebSocket upgrade decides what follows from that head), so before it nothing timed a client
/// out: one that connected and then sent nothing, or a byte a second, held its connection and a
/// file descriptor for as long as it liked. An idle timer cannot stop a trickle in later heads
/// either, since every byte resets it. The deadline is absolute, so trickling does not extend it.
///
/// Placed first among this channel's handlers (after TLS, whose handshake the first deadline
/// therefore covers too), it reads the raw bytes of the first request for the blank line that ends
/// its head. Later heads it cannot find in raw bytes (bodies may hold anything); there
/// ``RequestBoundaryObserver``, after the HTTP decoder, reports each parsed head and request end.
/// On a WebSocket no boundary is ever reported and the handler only passes bytes on.
final class RequestHeadDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        /// The first head, timed from the accept.
        case firstHead
        /// The first head is complete; whether HTTP or a WebSocket follows is not known yet.
        case settled
        /// A request is being read or answered: the idle timeout applies, not this deadline.
        case inRequest
        /// The last request has ended; the next byte starts the next head's deadline.
        case betweenRequests
        /// A later head has begun and is timed.
        case laterHead
        case expired
    }

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var state = State.firstHead
    private var context: ChannelHandlerContext?
    /// Line-feeds seen since the last byte that was neither CR nor LF: two mean a blank line, which
    /// ends the head (a lenient parser takes a bare LF as a line end, so this does too).
    private var lineFeeds = 0
    /// Whether the request line has begun: blank lines before it are skipped by the HTTP parser,
    /// so they must not count as a head's end (a client sending "\r\n\r\n" and then nothing would
    /// otherwise switch the deadline off).
    private var headStarted = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        startDeadline(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .firstHead:
            if containsHeadEnd(unwrapInboundIn(data).readableBytesView) {
                cancelDeadline()
                state = .settled
            }
        case .betweenRequests:
            state = .laterHead
            startDeadline(context: context)
        case .settled, .inRequest, .laterHead, .expired:
            break
        }
        context.fireChannelRead(data)
    }

    /// The HTTP decoder has produced a request head.
    func requestHeadParsed() {
        cancelDeadline()
        if state != .expired { state = .inRequest }
    }

    /// The HTTP decoder has produced the end of a request.
    func requestEnded() {
        if state != .expired { state = .betweenRequests }
    }

    private func startDeadline(context: ChannelHandlerContext) {
        deadline = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: timeout) { [self] in
            expire()
        }
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }

    /// Whether `bytes` complete the blank line, counting what came before them.
    private func containsHeadEnd(_ bytes: ByteBufferView) -> Bool {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n"):
                guard headStarted else { continue }
                lineFeeds += 1
                if lineFeeds == 2 { return true }
            case UInt8(ascii: "\r"):
                continue
            default:
                headStarted = true
                lineFeeds = 0
            }
        }
        return false
    }

    private func expire() {
        deadline = nil
        guard let context, context.channel.isActive else { return }
        let first = state == .firstHead
        guard first || state == .laterHead else { return }
        state = .expired
        if first {
            // Nothing else can be writing yet. On a later head an answer to the previous request
            // may still be on its way, so that connection is only closed, as the idle timeout does.
            var reply = context.channel.allocator.buffer(capacity: 96)
            reply.writeString("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
            context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
            // As for an unparsable request: report the input closed so that the upgrade handler
            // ends its negotiation as for a client that hung up (quietly), then close.
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
        context.close(promise: nil)
    }
}
