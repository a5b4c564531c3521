import NIOCore
import NIOHTTP1

/// Tells ``RequestHeadDeadlineHandler`` where parsed requests begin and end, so that it can time
/// each later request head on a kept-alive connection.
///
/// Sits after the WebSocket upgrade handler. When the first thing it sees arrives after an upgrade
/// (the HTTP decoder is gone, and what flows is WebSocket data), it removes itself.
final class RequestBoundaryObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let deadline: RequestHeadDeadlineHandler
    private var isHTTP: Bool?

    init(deadline: RequestHeadDeadlineHandler) {
        self.deadline = deadline
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if isHTTP == nil {
            isHTTP =
                (try? context.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self))
                != nil
        }
        guard isHTTP == true else {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head: deadline.requestHeadParsed()
        case .end: deadline.requestEnded()
        case .body: break
        }
        context.fireChannelRead(data)
    }
}
