import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird

/// Webhooks on segment changes (admin scope): create, list, delete, and read the dead letters.
package struct WebhooksController: Sendable {
    let store: any AttuneStorage
    let clock: any WallClock

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/v1/webhooks", use: create)
        router.get("/v1/webhooks", use: list)
        router.delete("/v1/webhooks/:id", use: delete)
        router.get("/v1/webhooks/:id/dead-letters", use: deadLetters)
    }

    /// `{"url": "https://...", "segment": "ID" (optional), "secret": "..." (optional, else generated)}`.
    /// The secret is shown only in this answer.
    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let body = try await request.jsonBody(limit: 8_192)
        guard let members = body.objectMembers else { throw AttuneError.invalid("", "body must be a JSON object") }
        for member in members where !["url", "segment", "secret"].contains(member.key) {
            throw AttuneError.invalid(member.key, "unknown field")
        }
        guard case .string(let rawURL)? = body["url"] else { throw AttuneError.missing("url") }
        let url = try Webhook.validatedURL(rawURL)
        var segment: SegmentID?
        switch body["segment"] {
        case nil, .null?: break
        case .string(let raw)?:
            let id = try SegmentID.validated(raw, field: "segment")
            guard try await store.segment(id, in: principal.workspace) != nil else { throw AttuneError.invalid("segment", "no such segment") }
            segment = id
        default: throw AttuneError.invalid("segment", "must be a segment id")
        }
        var secret = APIKeyFactory.generate(scope: .admin)
        switch body["secret"] {
        case nil, .null?: break
        case .string(let raw)? where raw.utf8.count >= 16 && raw.utf8.count <= 256 && raw.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }):
            secret = raw
        default: throw AttuneError.invalid("secret", "must be 16 to 256 printable characters")
        }
        var generator = SystemRandomNumberGenerator()
        let id = "wh_" + String(generator.next(), radix: 16)
        let created = try await store.createWebhook(
            Webhook(id: id, url: url, secret: secret, segment: segment, createdAt: clock.now(), cursor: 0), in: principal.workspace)
        var json = Self.json(created)
        if case .object(var fields) = json {
            fields.append(("secret", .string(secret)))
            json = .object(fields)
        }
        return JSONResponse.make(json, status: .created)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let page = try KeyedPage(try await store.webhooks(in: principal.workspace), key: \.id, request: request)
        return JSONResponse.make(.object([("webhooks", .array(page.elements.map(Self.json))), ("nextCursor", page.nextCursor)]))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let id = try Self.id(context)
        guard try await store.deleteWebhook(id, in: principal.workspace) else { throw AttuneError.notFound("webhook") }
        return JSONResponse.make(.object([("id", .string(id)), ("deleted", .bool(true))]))
    }

    @Sendable func deadLetters(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let id = try Self.id(context)
        let limit = try QueryParameters.limit(request)
        guard try await store.webhooks(in: principal.workspace).contains(where: { $0.id == id }) else {
            throw AttuneError.notFound("webhook")
        }
        let letters = try await store.deadLetters(of: id, in: principal.workspace, limit: limit)
        return JSONResponse.make(.object([
            ("webhook", .string(id)),
            ("deadLetters", .array(letters.map { letter in
                .object([
                    ("sequence", .number(Double(letter.change.sequence))),
                    ("type", .string(letter.change.entered ? "segment.entered" : "segment.left")),
                    ("segmentId", .string(letter.change.segment.rawValue)), ("userId", .string(letter.change.user.rawValue)),
                    ("timestamp", .string(letter.change.time.iso8601)), ("error", .string(letter.error)),
                    ("at", .string(letter.time.iso8601)),
                ])
            })),
        ]))
    }

    static func id(_ context: AppRequestContext) throws(AttuneError) -> String {
        guard let raw = context.parameters.get("id"), raw.hasPrefix("wh_"), raw.utf8.count <= 40,
            raw.utf8.dropFirst(3).allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else { throw AttuneError.invalid("id", "is not a webhook id") }
        return raw
    }

    static func json(_ hook: Webhook) -> JSONValue {
        .object([
            ("id", .string(hook.id)), ("url", .string(hook.url)), ("segment", hook.segment.map { .string($0.rawValue) } ?? .null),
            ("createdAt", .string(hook.createdAt.iso8601)), ("failedAttempts", .number(Double(hook.attempts))),
            ("lastError", hook.lastError.map(JSONValue.string) ?? .null),
        ])
    }
}
