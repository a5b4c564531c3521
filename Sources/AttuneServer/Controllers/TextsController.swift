import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird

/// Customer texts and the relations found in them: `POST /v1/users/{id}/texts`,
/// `GET /v1/users/{id}/mentions`, `GET /v1/items/{id}/mentions`, `GET /v1/items/{id}/co-mentioned`.
package struct TextsController: Sendable {
    let ingestion: TextIngestion
    let store: any AttuneStorage
    /// Whether pseudonymisation is on: then no user id may be an e-mail address or phone number.
    var refusesPersonalIDs = false

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/v1/users/:id/texts", use: post)
        router.get("/v1/users/:id/mentions", use: userMentions)
        router.get("/v1/items/:id/mentions", use: itemMentions)
        router.get("/v1/items/:id/co-mentioned", use: coMentioned)
    }

    /// The body may hold the text escaped (`\uXXXX`, six bytes per character at worst) plus the
    /// other fields; the text itself is then checked against the configured size.
    var maxBodyBytes: Int { ingestion.configuration.maxTextBytes * 6 + 4_096 }

    @Sendable func post(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.write)
        let user = try context.identifier("id", as: UserID.self)
        if refusesPersonalIDs { try PersonalDataID.refuse(user.rawValue, field: "id") }
        let body = try await request.jsonBody(limit: maxBodyBytes)
        let submission = try TextSubmission.decode(
            body, user: user, maxBytes: ingestion.configuration.maxTextBytes, receivedAt: ingestion.now())
        let stored = try await ingestion.ingest(submission, in: principal.workspace)
        return JSONResponse.make(stored.json, status: .created)
    }

    /// What the user talked about, by target (admin: it is about a person).
    @Sendable func userMentions(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let user = try context.identifier("id", as: UserID.self)
        let limit = try QueryParameters.limit(request, max: SQLiteStore.maxPageSize)
        let cursor = try QueryParameters.string(request, "cursor").map { (c) throws(AttuneError) -> MentionTarget in
            let text = try Cursor.decode(c)
            guard let colon = text.firstIndex(of: ":"),
                let target = MentionTarget(kind: String(text[..<colon]), value: String(text[text.index(after: colon)...]))
            else { throw .invalid("cursor", "is not a cursor this server issued") }
            return target
        }
        let page = try await store.mentions(of: user, in: principal.workspace, after: cursor, limit: limit)
        let next: JSONValue =
            page.count == limit ? .string(Cursor.encode("\(page.last!.target.kind):\(page.last!.target.value)")) : .null
        return JSONResponse.make(.object([
            ("userId", .string(user.rawValue)), ("mentions", .array(page.map(\.json))), ("nextCursor", next),
        ]))
    }

    /// Who talked about the item (admin: it lists people).
    @Sendable func itemMentions(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let item = try context.identifier("id", as: ItemID.self)
        let limit = try QueryParameters.limit(request, max: SQLiteStore.maxPageSize)
        let cursor = try QueryParameters.string(request, "cursor").map { (c) throws(AttuneError) in
            UserID(unchecked: try Cursor.decode(c))
        }
        let page = try await store.mentioners(of: .item(item), in: principal.workspace, after: cursor, limit: limit)
        let next: JSONValue = page.count == limit ? .string(Cursor.encode(page.last!.user.rawValue)) : .null
        return JSONResponse.make(.object([
            ("itemId", .string(item.rawValue)), ("users", .array(page.map(\.json))), ("nextCursor", next),
        ]))
    }

    /// Items mentioned in the same texts, most shared texts first (read: no personal data).
    @Sendable func coMentioned(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let item = try context.identifier("id", as: ItemID.self)
        let limit = try QueryParameters.limit(request, max: SQLiteStore.maxPageSize)
        let offset = try QueryParameters.string(request, "cursor").map { (c) throws(AttuneError) -> Int in
            guard let value = Int(try Cursor.decode(c)), value >= 0 else {
                throw .invalid("cursor", "is not a cursor this server issued")
            }
            return value
        } ?? 0
        let page = try await store.coMentioned(with: item, in: principal.workspace, offset: offset, limit: limit)
        let next: JSONValue = page.count == limit ? .string(Cursor.encode(String(offset + page.count))) : .null
        return JSONResponse.make(.object([
            ("itemId", .string(item.rawValue)),
            ("items", .array(page.map { .object([("itemId", .string($0.item.rawValue)), ("texts", .number(Double($0.texts)))]) })),
            ("nextCursor", next),
        ]))
    }
}
