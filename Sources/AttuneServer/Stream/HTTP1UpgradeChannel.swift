import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// HTTP/1 with the WebSocket upgrade of `GET /v1/stream`, where a request that cannot be parsed
/// is answered `400` and its connection closed, and a request head that takes longer than the
/// header timeout is cut off (``RequestHeadDeadlineHandler``).
///
/// The upgrade channel alone leaves such a request unanswered: until the first request head is
/// parsed nothing in its pipeline handles parse errors (Hummingbird's HTTP handler, which answers
/// them, joins only once the request turns out not to be an upgrade). A request line with raw
/// non-ASCII bytes, a space in the path or a URL longer than the header limit then held its
/// connection open, with no reply, until the client gave up.
struct HTTP1UpgradeChannel: ServerChildChannel {
    typealias Value = HTTP1WebSocketUpgradeChannel.Value

    let base: HTTP1WebSocketUpgradeChannel
    /// How long a new connection has to send its first complete request head.
    let headerTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let deadline = RequestHeadDeadlineHandler(timeout: headerTimeout)
        do {
            // First of this channel's handlers: under TLS that is right after the TLS handler.
            try channel.pipeline.syncOperations.addHandler(TLSFailureHandler())
            try channel.pipeline.syncOperations.addHandler(deadline)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        // `setup` completes on the channel's event loop, where the handlers live.
        let boundDeadline = NIOLoopBound(deadline, eventLoop: channel.eventLoop)
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try channel.pipeline.syncOperations.addHandler(UnparsableRequestHandler())
            try channel.pipeline.syncOperations.addHandler(RequestBoundaryObserver(deadline: boundDeadline.value))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// ``HTTP1UpgradeChannel`` over `webSocketRouter`.
    static func http1StreamUpgrade(
        webSocketRouter: Router<StreamRequestContext>, configuration: HTTP1WebSocketUpgradeChannel.Configuration,
        headerTimeout: Duration
    ) -> HTTPServerBuilder {
        let webSocketResponder = webSocketRouter.buildResponder()
        return HTTPServerBuilder { responder in
            HTTP1UpgradeChannel(
                base: HTTP1WebSocketUpgradeChannel(
                    responder: responder, webSocketResponder: webSocketResponder, configuration: configuration),
                headerTimeout: TimeAmount(headerTimeout))
        }
    }
}

/// Sits after the upgrade handler until the first request has gone past it (the upgrade is then
/// settled one way or the other, and parse errors have an owner), answering a parse error before
/// that with `400` and closing.
private final class UnparsableRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        let head = HTTPResponseHead(
            version: .http1_1, status: .badRequest, headers: ["Connection": "close", "Content-Length": "0"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        // The decoder reads nothing more after a parse error. Saying so from the head of the
        // pipeline lets the upgrade handler end its negotiation as it does for a client that hung
        // up (it closes, quietly); a bare close would make it log an error for every bad request.
        context.pipeline.syncOperations.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        context.close(promise: nil)
    }
}
