import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird

/// `PATCH /v1/users/{id}` (declared attributes) and `GET /v1/users` (a page of users, optionally
/// those of one segment).
package struct UsersController: Sendable {
    let store: any AttuneStorage
    let clock: any WallClock
    var pii: PIIProtection?

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.patch("/v1/users/:id", use: patch)
        router.get("/v1/users", use: list)
    }

    /// A JSON merge patch of declared attributes (`null` removes one); well-known attributes are
    /// typed. Goes through the same path as `identify`, so segments see the change at once.
    @Sendable func patch(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let user = try context.identifier("id", as: UserID.self)
        if pii != nil { try PersonalDataID.refuse(user.rawValue, field: "id") }
        let body = try await request.jsonBody(limit: DeclaredAttributes.maxBytes + 1_024)
        var patch = try DeclaredAttributes.validatePatch(body)
        if let pii { patch = try pii.protect(patch) }
        // A merged user's id patches what that id declared; the person's view is resolved again.
        let person = try await store.canonicalUser(of: user, in: principal.workspace)
        var known = try await store.profile(of: person, in: principal.workspace) != nil
        if !known { known = try await store.traits(of: person, in: principal.workspace) != nil }
        guard known else { throw AttuneError.notFound("user") }
        try await store.record(Identify(anonymousID: nil, userID: user, traits: patch, timestamp: clock.now()), in: principal.workspace)
        let declared =
            try await store.traits(of: person, in: principal.workspace).map { try JSONParser().parse(pii?.reveal($0) ?? $0) }
            ?? .object([])
        return JSONResponse.make(.object([("userId", .string(user.rawValue)), ("declared", declared)]))
    }

    /// Users in id order with a summary of their profile; `segment=ID` lists that segment's members.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let limit = try QueryParameters.limit(request)
        let cursor = try QueryParameters.string(request, "cursor").map { (c) throws(AttuneError) in
            UserID(unchecked: try Cursor.decode(c))
        }
        var rows: [(user: UserID, profile: StoredProfile?)] = []
        if let raw = try QueryParameters.string(request, "segment") {
            let segment = try SegmentID.validated(raw, field: "segment")
            guard try await store.segment(segment, in: principal.workspace) != nil else { throw AttuneError.notFound("segment") }
            for user in try await store.members(of: segment, in: principal.workspace, after: cursor, limit: limit) {
                rows.append((user, try await store.profile(of: user, in: principal.workspace)))
            }
        } else {
            rows = try await store.profiles(in: principal.workspace, after: cursor, limit: limit).map { ($0.user, $0.profile) }
        }
        let next: JSONValue = rows.count == limit ? .string(Cursor.encode(rows.last!.user.rawValue)) : .null
        return JSONResponse.make(.object([
            ("users", .array(rows.map { row in
                .object([
                    ("userId", .string(row.user.rawValue)),
                    ("version", .number(Double(row.profile?.version ?? 0))),
                    ("events", .number(Double(row.profile?.traits.eventCount ?? 0))),
                    ("lastSeen", Self.lastSeen(row.profile)),
                ])
            })),
            ("nextCursor", next),
        ]))
    }

    static func lastSeen(_ profile: StoredProfile?) -> JSONValue {
        guard let traits = profile?.traits, traits.eventCount > 0 else { return .null }
        return .string(Timestamp(millisecondsSinceEpoch: traits.lastSeen).iso8601)
    }
}
