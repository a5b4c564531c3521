import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird

/// `GET /v1/users/{id}`: the user's profile, declared and computed. Every read that returns a
/// profile is audited (an admin key looked at a person's data); a read that cannot be audited
/// is refused.
package struct ProfilesController: Sendable {
    let store: any AttuneStorage
    let clock: any WallClock
    let audit: AuditLog
    var pii: PIIProtection?
    /// Category and tag affinities come from the user's latest items, newest weighted most.
    static let affinityItems = 200

    static func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/v1/users/:id", use: get)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let named = try context.identifier("id", as: UserID.self)
        // A merged user's id shows the person it became part of.
        let user = try await store.canonicalUser(of: named, in: principal.workspace)
        let stored = try await store.profile(of: user, in: principal.workspace)
        let declared = try await store.traits(of: user, in: principal.workspace)
        guard stored != nil || declared != nil else { throw AttuneError.notFound("user") }
        // By digest: an audit row must not keep an id that an erasure later removes everywhere else.
        try await audit.record(
            .profileRead, actor: principal.keyID, workspace: principal.workspace, subject: UserDigest.auditSubject(user))
        let declaredJSON = try declared.map { try JSONParser().parse(pii?.reveal($0) ?? $0) } ?? .object([])
        // Affinities are computed traits: without personalization consent there are none.
        let personal = try store.consentPermits(.personalization, for: user.rawValue, in: principal.workspace)
        let recent = personal ? try await store.recentItems(of: user, in: principal.workspace, limit: Self.affinityItems) : []
        let catalogue = try await store.items(Array(Set(recent)), in: principal.workspace)
        var affinity = LabelAffinity(items: recent.compactMap { catalogue[$0].map { ($0.categories, $0.tags) } })
        try await MentionAffinity.add(to: &affinity, user: user, in: principal.workspace, store: store)
        let declaredNames = Set((declaredJSON.objectMembers ?? []).filter { $0.value != .null }.map(\.key))
        // Estimated from behaviour: withheld without personalization consent, and a declared
        // value always wins over a guess made before it arrived.
        let imputed = personal ? try await store.imputations(of: user, in: principal.workspace) : []
        let parser = JSONParser()
        let imputedJSON = JSONValue.object(imputed.filter { !declaredNames.contains($0.attribute) }.map { entry in
            (entry.attribute, .object([
                ("value", (try? parser.parse(entry.value)) ?? .null),
                ("confidence", .number(entry.confidence)),
                ("imputedAt", .string(entry.imputedAt.iso8601)),
            ]))
        })
        let traits = stored?.traits ?? ProfileTraits()
        let completeness = ProfileCompleteness(declaredNames: declaredNames, traits: traits, now: clock.now())
        let merged = try await store.mergedUsers(into: user, in: principal.workspace)
        let identifiers = try await store.identifiers(of: [user] + merged, in: principal.workspace)
        let merges = try await store.merges(involving: [user] + merged, in: principal.workspace)
        return JSONResponse.make(.object([
            ("userId", .string(user.rawValue)),
            ("requestedUserId", .string(named.rawValue)),
            ("mergedUserIds", .array(merged.map { .string($0.rawValue) })),
            ("identifiers", .array(identifiers.map(IdentityJSON.identifier))),
            ("merges", .array(merges.map(IdentityJSON.merge))),
            ("version", .number(Double(stored?.version ?? 0))),
            ("updatedAt", stored.map { .string($0.updatedAt.iso8601) } ?? .null),
            ("declared", declaredJSON),
            ("imputed", imputedJSON),
            ("completeness", .object([
                ("score", .number(Self.rounded(completeness.score))),
                ("declared", .number(Self.rounded(completeness.declared))),
                ("behaviour", .number(Self.rounded(completeness.behaviour))),
            ])),
            ("computed", traits.publicJSON(now: clock.now(), affinity: affinity)),
        ]))
    }
}
