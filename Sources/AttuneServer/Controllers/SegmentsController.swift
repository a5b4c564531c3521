import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird

/// Segments: `POST/GET /v1/segments`, `GET/DELETE /v1/segments/{id}`,
/// `GET /v1/segments/{id}/members`, `GET /v1/users/{id}/segments`.
package struct SegmentsController: Sendable {
    let store: any AttuneStorage
    let clock: any WallClock
    let limits: ServerLimits

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/v1/segments", use: create)
        router.get("/v1/segments", use: list)
        router.get("/v1/segments/:id", use: get)
        router.delete("/v1/segments/:id", use: delete)
        router.get("/v1/segments/:id/members", use: members)
        router.get("/v1/users/:id/segments", use: userSegments)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let body = try await request.jsonBody(limit: limits.maxSmallBodyBytes)
        let definition = try SegmentDefinition(json: body)
        let segment = try await SegmentService(store: store, clock: clock).create(definition, in: principal.workspace)
        return JSONResponse.make(try await json(segment, principal.workspace), status: .created)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let page = try KeyedPage(try await store.segments(in: principal.workspace), key: \.name, request: request)
        var out: [JSONValue] = []
        for segment in page.elements {
            out.append(try await json(segment, principal.workspace))
        }
        return JSONResponse.make(.object([("segments", .array(out)), ("nextCursor", page.nextCursor)]))
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let segment = try await find(context, principal)
        return JSONResponse.make(try await json(segment, principal.workspace))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let id = try context.identifier("id", as: SegmentID.self)
        guard try await store.deleteSegment(id, in: principal.workspace) else { throw AttuneError.notFound("segment") }
        return JSONResponse.make(.object([("id", .string(id.rawValue)), ("deleted", .bool(true))]))
    }

    @Sendable func members(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let limit = try QueryParameters.limit(request)
        let cursor = try QueryParameters.string(request, "cursor").map { (c) throws(AttuneError) in
            UserID(unchecked: try Cursor.decode(c))
        }
        let segment = try await find(context, principal)
        let page = try await store.members(of: segment.id, in: principal.workspace, after: cursor, limit: limit)
        let next: JSONValue = page.count == limit ? .string(Cursor.encode(page.last!.rawValue)) : .null
        return JSONResponse.make(.object([
            ("segmentId", .string(segment.id.rawValue)), ("members", .array(page.map { .string($0.rawValue) })),
            ("nextCursor", next),
        ]))
    }

    @Sendable func userSegments(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let named = try context.identifier("id", as: UserID.self)
        // A merged id answers for the person it became part of, whose memberships these are.
        let user = try await store.canonicalUser(of: named, in: principal.workspace)
        let ids = Set(try await store.segments(of: user, in: principal.workspace))
        let segments = try await store.segments(in: principal.workspace).filter { ids.contains($0.id) }
        return JSONResponse.make(.object([
            ("userId", .string(user.rawValue)),
            ("requestedUserId", .string(named.rawValue)),
            ("segments", .array(segments.map { segment -> JSONValue in
                .object([
                    ("id", .string(segment.id.rawValue)), ("name", .string(segment.name)),
                    ("kind", .string(segment.kind.rawValue)),
                ])
            })),
        ]))
    }

    private func find(_ context: AppRequestContext, _ principal: Principal) async throws -> Segment {
        let id = try context.identifier("id", as: SegmentID.self)
        guard let segment = try await store.segment(id, in: principal.workspace) else {
            throw AttuneError.notFound("segment")
        }
        return segment
    }

    private func json(_ segment: Segment, _ workspace: WorkspaceID) async throws -> JSONValue {
        let count = try await store.memberCount(of: segment.id, in: workspace)
        return Rendering.json(segment, members: count)
    }
}
