import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird

/// `GET /v1/users/{id}/history`: the profile's versions, newest first, with what caused each and
/// what it changed. Personal data like the profile itself, so admin scope, and a page that shows
/// any version is audited by the user's digest. An unknown user has an empty history, as
/// `GET /v1/users/{id}/events` has no events for one. A merged id answers for its person; the
/// first page (no cursor) also carries `memberVersions`, each merged id's own latest versions
/// (up to `limit`, its `merge` version naming `mergedInto` among them), which the person's
/// history does not hold.
package struct ProfileHistoryController: Sendable {
    let store: any AttuneStorage
    let audit: AuditWriter

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/v1/users/:id/history", use: history)
    }

    @Sendable func history(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let named = try context.identifier("id", as: UserID.self)
        let limit = try QueryParameters.limit(request)
        let cursor = try QueryParameters.string(request, "cursor").map { (c) throws(AttuneError) -> Int in
            // A version cursor: the page continues below it.
            let value = try Cursor.decodeSequence(c)
            guard value <= Int64(Int.max) else { throw .invalid("cursor", "is not a cursor this server issued") }
            return Int(value)
        }
        let user = try await store.canonicalUser(of: named, in: principal.workspace)
        let versions = try await store.profileHistory(of: user, in: principal.workspace, before: cursor, limit: limit)
        var memberVersions: [(key: String, value: JSONValue)] = []
        if cursor == nil {
            for member in try await store.mergedUsers(into: user, in: principal.workspace) {
                let own = try await store.profileHistory(of: member, in: principal.workspace, before: nil, limit: limit)
                memberVersions.append((member.rawValue, .array(own.map(\.json))))
            }
        }
        if !versions.isEmpty || memberVersions.contains(where: { $0.value != .array([]) }) {
            try await audit.record(
                .userHistoryRead, actor: principal.keyID, workspace: principal.workspace,
                subject: UserDigest.auditSubject(user))
        }
        let next: JSONValue = versions.count == limit ? .string(Cursor.encode(String(versions.last!.version))) : .null
        return JSONResponse.make(.object([
            ("userId", .string(user.rawValue)), ("requestedUserId", .string(named.rawValue)),
            ("versions", .array(versions.map(\.json))), ("nextCursor", next),
            ("memberVersions", .object(memberVersions)),
        ]))
    }
}
