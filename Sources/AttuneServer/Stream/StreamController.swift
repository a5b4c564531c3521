import AttuneCore
import AttuneEngine
import Hummingbird
import HummingbirdWebSocket
import Logging

/// `GET /v1/stream`: a WebSocket on which a client sends events and receives its recommendations
/// again whenever they change.
///
/// The key comes in `Authorization: Bearer KEY` or, for browsers (which cannot set headers on a
/// WebSocket), in `?key=`. Messages are JSON text frames of at most ``maxMessageBytes``:
/// - `{"type": "subscribe", "userId": "u1", "count": 10}` (read scope) answers with
///   `{"type": "recommendations", ...}` at once, then again whenever the list changes: after an
///   event for that user on this socket, and on a check every ``refreshInterval`` that catches
///   events from other channels and newly promoted models;
/// - `{"type": "events", "batch": [...]}` or `{"type": "event", "event": {...}}` (write scope) is
///   ingested as `POST /v1/events` would and answered with `{"type": "ack", ...}`.
/// A bad message gets `{"type": "error", "error": {...}}` and the socket stays open. Messages are
/// handled one at a time, so a client that sends faster than events are stored waits (TCP
/// back-pressure) instead of growing a queue in the server.
package struct StreamController: Sendable {
    let keyring: APIKeyring
    let ingestion: EventIngestion
    let service: RecommendationService
    let refreshInterval: Duration

    package static let maxMessageBytes = 64 * 1024

    package init(keyring: APIKeyring, ingestion: EventIngestion, service: RecommendationService, refreshInterval: Duration) {
        self.keyring = keyring
        self.ingestion = ingestion
        self.service = service
        self.refreshInterval = refreshInterval
    }

    package func addRoutes(to router: Router<StreamRequestContext>) {
        router.ws("/v1/stream") { request, context in
            guard let principal = await authenticate(request) else {
                throw HTTPError(.unauthorized, message: "a valid API key is required (Authorization: Bearer KEY or ?key=KEY)")
            }
            _ = principal
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            guard let principal = await authenticate(context.request) else { return }
            let session = StreamSession(
                principal: principal, ingestion: ingestion, service: service, outbound: outbound, logger: context.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await session.refreshPeriodically(every: refreshInterval) }
                for try await message in inbound.messages(maxSize: Self.maxMessageBytes) {
                    guard case .text(let text) = message else {
                        try await session.send(StreamSession.error(AttuneError.invalid("", "messages must be JSON text frames")))
                        continue
                    }
                    try await session.handle(text)
                }
                group.cancelAll()
            }
        }
    }

    /// A `GET /v1/stream` without the upgrade headers reaches the HTTP router instead: it gets
    /// `426` naming the protocol, where a `404` would say the path does not exist.
    package static func addUpgradeRequiredRoute(to router: Router<AppRequestContext>) {
        router.get("/v1/stream") { _, _ -> Response in
            var error = APIError(
                status: .upgradeRequired, code: "upgrade_required",
                message: "this path is a WebSocket: send Connection: Upgrade and Upgrade: websocket")
            error.extraHeaders[.upgrade] = "websocket"
            throw error
        }
    }

    private func authenticate(_ request: Request) async -> Principal? {
        var key: String?
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { key = String(parts[1]) }
        } else {
            key = request.uri.queryParameters.get("key")
        }
        guard let key else { return nil }
        return await keyring.authenticate(key)
    }
}
