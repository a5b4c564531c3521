import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird

/// `POST /v1/users/merge` and `POST /v1/users/{id}/unmerge` (admin keys): manual identity
/// resolution and its undo. Both are audited.
package struct IdentityController: Sendable {
    let identity: IdentityResolution
    let limits: ServerLimits
    /// Whether pseudonymisation is on: then no user id may be an e-mail address or phone number.
    var refusesPersonalIDs = false

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/v1/users/merge", use: merge)
        router.post("/v1/users/:id/unmerge", use: unmerge)
    }

    /// Body `{"users": ["a", "b", …], "canonical": "a"}`; `canonical` is optional (the user known
    /// first is kept).
    @Sendable func merge(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let body = try await request.jsonBody(limit: limits.maxSmallBodyBytes)
        let (users, canonical) = try Self.decodeMerge(body)
        if refusesPersonalIDs {
            for (index, user) in users.enumerated() { try PersonalDataID.refuse(user.rawValue, field: "users[\(index)]") }
            if let canonical { try PersonalDataID.refuse(canonical.rawValue, field: "canonical") }
        }
        let outcome = try await identity.merge(users, canonical: canonical, in: principal.workspace, actor: principal.keyID)
        return JSONResponse.make(.object([
            ("canonicalUserId", .string(outcome.canonical.rawValue)),
            ("merges", .array(outcome.merges.map(IdentityJSON.merge))),
        ]))
    }

    /// Optional body `{"merge": 12}` naming the merge to undo; without it, the merge that brought
    /// this user in (a merged id) or the last merge into it (a canonical id).
    @Sendable func unmerge(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let user = try context.identifier("id", as: UserID.self)
        let body = try await request.jsonBody(limit: limits.maxSmallBodyBytes, allowEmpty: true)
        let mergeID = try Self.decodeUnmerge(body)
        let undone = try await identity.unmerge(user, merge: mergeID, in: principal.workspace, actor: principal.keyID)
        return JSONResponse.make(.object([("unmerged", IdentityJSON.merge(undone))]))
    }

    static func decodeMerge(_ body: JSONValue) throws(AttuneError) -> (users: [UserID], canonical: UserID?) {
        guard let members = body.objectMembers else { throw .invalid("", "must be a JSON object, not \(body.typeName)") }
        for member in members where member.key != "users" && member.key != "canonical" {
            throw .invalid(member.key, "unknown field")
        }
        guard let list = body["users"] else { throw .missing("users") }
        guard case .array(let values) = list else { throw .invalid("users", "must be an array of user ids, not \(list.typeName)") }
        guard values.count <= 100 else { throw .invalid("users", "must name at most 100 users") }
        var users: [UserID] = []
        for (index, value) in values.enumerated() {
            guard case .string(let raw) = value else {
                throw .invalid("users[\(index)]", "must be a string, not \(value.typeName)")
            }
            users.append(try UserID.validated(raw, field: "users[\(index)]"))
        }
        var canonical: UserID?
        switch body["canonical"] {
        case nil, .null?: canonical = nil
        case .string(let raw)?: canonical = try UserID.validated(raw, field: "canonical")
        case let other?: throw .invalid("canonical", "must be a string, not \(other.typeName)")
        }
        return (users, canonical)
    }

    static func decodeUnmerge(_ body: JSONValue) throws(AttuneError) -> Int64? {
        if body == .null { return nil }
        guard let members = body.objectMembers else { throw .invalid("", "must be a JSON object, not \(body.typeName)") }
        for member in members where member.key != "merge" { throw .invalid(member.key, "unknown field") }
        switch body["merge"] {
        case nil, .null?: return nil
        case .number(let n)?:
            guard let id = Int64(exactly: n), id > 0 else { throw .invalid("merge", "must be a positive integer") }
            return id
        case let other?: throw .invalid("merge", "must be a merge id (integer), not \(other.typeName)")
        }
    }
}
