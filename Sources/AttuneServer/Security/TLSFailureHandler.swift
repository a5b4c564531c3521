import NIOCore
import NIOSSL

/// Ends a connection whose TLS handshake or record layer failed (a plain-HTTP client on the
/// HTTPS port, a scanner, an expired client) quietly.
///
/// Without it the error travels on to the WebSocket upgrade handler, which logs every such
/// connection at error level: anyone could fill the log by connecting. Placed right after the
/// TLS handler; on plain HTTP it never sees a TLS error and passes everything on.
final class TLSFailureHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is NIOSSLError || error is BoringSSLError else {
            context.fireErrorCaught(error)
            return
        }
        // As for an unparsable request: report the input closed so that the upgrade handler
        // ends its negotiation as for a client that hung up, then close.
        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        context.close(promise: nil)
    }
}
