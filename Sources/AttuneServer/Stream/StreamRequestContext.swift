import AttuneEngine
import Hummingbird
import HummingbirdWebSocket

/// Context of a `GET /v1/stream` upgrade request: the authenticated caller and the handler
/// reference the WebSocket router needs.
package struct StreamRequestContext: RequestContext, WebSocketRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let webSocket: WebSocketHandlerReference<Self>
    package var principal: Principal?

    package init(source: Source) {
        coreContext = .init(source: source)
        webSocket = .init()
        principal = nil
    }
}
