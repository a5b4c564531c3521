import AttuneCore
import AttuneEngine
import HummingbirdWebSocket
import Logging

/// One connected stream client: its subscription and the last list pushed to it.
final class StreamSession: Sendable {
    private struct Subscription: Sendable {
        var user: UserID
        var request: RecommendationRequest
        var lastPushed: [String]?
    }

    let principal: Principal
    let ingestion: EventIngestion
    let service: RecommendationService
    let outbound: WebSocketOutboundWriter
    let logger: Logger
    private let subscription = Locked<Subscription?>(nil)

    init(
        principal: Principal, ingestion: EventIngestion, service: RecommendationService, outbound: WebSocketOutboundWriter,
        logger: Logger
    ) {
        self.principal = principal
        self.ingestion = ingestion
        self.service = service
        self.outbound = outbound
        self.logger = logger
    }

    func send(_ value: JSONValue) async throws {
        try await outbound.write(.text(value.serialized()))
    }

    static func error(_ error: AttuneError) -> JSONValue {
        .object([("type", .string("error")), ("error", Rendering.json(error))])
    }

    /// Handles one client message; a bad one is answered with an error frame.
    func handle(_ text: String) async throws {
        do {
            let message = try JSONParser().parse(Array(text.utf8))
            guard case .string(let type)? = message["type"] else {
                throw AttuneError.invalid("type", "must be \"subscribe\", \"event\" or \"events\"")
            }
            switch type {
            case "subscribe": try await subscribe(message)
            case "event", "events": try await ingest(message, single: type == "event")
            default: throw AttuneError.invalid("type", "must be \"subscribe\", \"event\" or \"events\"")
            }
        } catch let error as AttuneError {
            try await send(Self.error(error))
        }
    }

    private func subscribe(_ message: JSONValue) async throws {
        guard principal.scope.permits(.read) else {
            throw AttuneError(code: .forbidden, message: "subscribing needs a key with read scope")
        }
        guard let members = message.objectMembers else { throw AttuneError.invalid("", "must be a JSON object") }
        for member in members where !["type", "userId", "count"].contains(member.key) {
            throw AttuneError.invalid(member.key, "unknown field")
        }
        guard let user: UserID = try EventDecoder.identifier(message["userId"], field: "userId") else {
            throw AttuneError.missing("userId")
        }
        var request = RecommendationRequest()
        switch message["count"] {
        case nil, .null?: break
        case .number(let n)? where n == n.rounded() && n >= 1 && n <= Double(RecommendationService.maxCount):
            request.count = Int(n)
        default: throw AttuneError.invalid("count", "must be an integer from 1 to \(RecommendationService.maxCount)")
        }
        subscription.withLock { $0 = Subscription(user: user, request: request, lastPushed: nil) }
        try await pushIfChanged()
    }

    private func ingest(_ message: JSONValue, single: Bool) async throws {
        guard principal.scope.permits(.write) else {
            throw AttuneError(code: .forbidden, message: "sending events needs a key with write scope")
        }
        let body: JSONValue
        if single {
            guard let event = message["event"] else { throw AttuneError.missing("event") }
            body = event
        } else {
            guard case .array? = message["batch"] else { throw AttuneError.invalid("batch", "must be an array of events") }
            body = .object([("batch", message["batch"]!)])
        }
        let report = try await ingestion.ingest(body, into: principal.workspace)
        try await send(.object([
            ("type", .string("ack")),
            ("received", .number(Double(report.received))),
            ("accepted", .number(Double(report.accepted))),
            ("duplicates", .number(Double(report.duplicates))),
            ("withheld", .number(Double(report.withheld))),
            ("rejected", .array(report.rejected.map {
                .object([("index", .number(Double($0.index))), ("error", Rendering.json($0.error))])
            })),
        ]))
        if report.accepted > 0 { try await pushIfChanged() }
    }

    /// Pushes the subscribed user's list when it differs from the last one sent.
    func pushIfChanged() async throws {
        guard let current = subscription.withLock({ $0 }) else { return }
        let list = try await service.recommend(user: current.user, in: principal.workspace, request: current.request)
        let ids = list.items.map(\.item.rawValue)
        let changed = subscription.withLock { state -> Bool in
            guard state?.user == current.user, state?.lastPushed != ids else { return false }
            state?.lastPushed = ids
            return true
        }
        guard changed else { return }
        guard case .object(var members) = RecommendationsController.json(list, subject: ("userId", current.user.rawValue))
        else { return }
        members.insert(("type", .string("recommendations")), at: 0)
        try await send(.object(members))
    }

    func refreshPeriodically(every interval: Duration) async throws {
        while !Task.isCancelled {
            try await Task.sleep(for: interval)
            do {
                try await pushIfChanged()
            } catch is CancellationError {
                return
            } catch let error as AttuneError {
                logger.debug("stream refresh failed", metadata: ["error": .string(error.message)])
            }
        }
    }
}
