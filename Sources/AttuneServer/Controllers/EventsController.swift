import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird

/// `POST /v1/events`, `POST /v1/identify`, `GET /v1/users/{id}/events`.
package struct EventsController: Sendable {
    let ingestion: EventIngestion
    let store: any AttuneStorage
    let clock: any WallClock
    let limits: ServerLimits
    var pii: PIIProtection?
    let identity: IdentityResolution

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/v1/events", use: postEvents)
        router.post("/v1/identify", use: identify)
        router.get("/v1/users/:id/events", use: userEvents)
    }

    @Sendable func postEvents(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.write)
        let body: JSONValue
        do {
            body = try await request.jsonBody(limit: limits.maxEventBodyBytes)
        } catch let error as AttuneError {
            ingestion.tally?.recordRefused(error, events: 0, in: principal.workspace)
            throw error
        }
        let report = try await ingestion.ingest(body, into: principal.workspace)
        let rejected = JSONValue.array(
            report.rejected.map { .object([("index", .number(Double($0.index))), ("error", Rendering.json($0.error))]) })
        var members: [(key: String, value: JSONValue)] = [
            ("received", .number(Double(report.received))),
            ("accepted", .number(Double(report.accepted))),
            ("duplicates", .number(Double(report.duplicates))),
            ("withheld", .number(Double(report.withheld))),
            ("rejected", rejected),
            ("ids", .array(report.ids.map { .string($0.uuidString) })),
        ]
        if report.accepted + report.duplicates + report.withheld == 0 {
            members.insert(
                ("error", .object([("code", .string("invalid_value")), ("message", .string("no event in the batch is valid"))])),
                at: 0)
            return JSONResponse.make(.object(members), status: .unprocessableContent)
        }
        return JSONResponse.make(.object(members))
    }

    @Sendable func identify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.write)
        let body = try await request.jsonBody(limit: limits.maxSmallBodyBytes)
        var identify = try Identify.decode(body, receivedAt: clock.now())
        if pii != nil {
            try PersonalDataID.refuse(identify.userID.rawValue, field: "userId")
            if let anonymous = identify.anonymousID { try PersonalDataID.refuse(anonymous.rawValue, field: "anonymousId") }
        }
        // Identifiers merge people, and a merged person's history then feeds recommendations for
        // either id: a write key (public in web pages) must not be able to claim someone's e-mail.
        // Only a server-side caller with an admin key resolves identities.
        let resolves = principal.scope.permits(.admin)
        if !identify.identifiers.isEmpty || !identify.skippedIdentifiers.isEmpty, !resolves {
            throw AttuneError(
                code: .forbidden, message: "identifiers need an admin key: they merge users", field: "identifiers")
        }
        var identifiers = identify.identifiers
        var skipped = identify.skippedIdentifiers
        if resolves {
            // Validated before anything is stored: a malformed address leaves everything as it was;
            // a phone number not in international form is skipped and reported.
            identifiers += try PersonIdentifier.fromTraits(identify.traits, defaultCountryCode: nil, skipped: &skipped)
        }
        if let pii, let traits = identify.traits { identify.traits = try pii.protect(traits) }
        try await store.record(identify, in: principal.workspace)
        var canonical = try await store.canonicalUser(of: identify.userID, in: principal.workspace)
        var refused = 0
        if !identifiers.isEmpty {
            let outcomes = try await identity.attach(
                [(identify.userID, identifiers)], source: identify.source, in: principal.workspace, actor: principal.keyID)
            canonical = outcomes.first?.canonical ?? canonical
            refused = outcomes.reduce(0) { $0 + $1.refusedIdentifiers }
        }
        var answer: [(key: String, value: JSONValue)] = [
            ("ok", .bool(true)), ("userId", .string(identify.userID.rawValue)), ("canonicalUserId", .string(canonical.rawValue)),
        ]
        if refused > 0 {
            // Held by someone an unmerge split from this user: kept with its holder, not merged.
            answer.append(("refusedIdentifiers", .number(Double(refused))))
        }
        if !skipped.isEmpty {
            // Each as an error body would name it: the caller can fix the number and send it again.
            answer.append(("warnings", .array(skipped.map { Rendering.json($0) })))
        }
        return JSONResponse.make(.object(answer))
    }

    @Sendable func userEvents(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let named = try context.identifier("id", as: UserID.self)
        let limit = try QueryParameters.limit(request)
        let cursor = try QueryParameters.string(request, "cursor").map { (c) throws(AttuneError) in try Cursor.decodeSequence(c) }
        // A merged id's events were re-keyed to its person: the person's log answers for it.
        let user = try await store.canonicalUser(of: named, in: principal.workspace)
        let events = try await store.events(of: user, in: principal.workspace, after: cursor, limit: limit)
        let next: JSONValue =
            events.count == limit ? .string(Cursor.encode(String(events.last!.sequence))) : .null
        return JSONResponse.make(.object([
            ("userId", .string(user.rawValue)), ("requestedUserId", .string(named.rawValue)),
            ("events", .array(events.map(Rendering.json))), ("nextCursor", next),
        ]))
    }
}
