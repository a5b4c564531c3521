import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird

/// `GET /v1/users/{id}`: the user's profile, declared and computed. Every read that returns a
/// profile is audited (an admin key looked at a person's data) through `AuditWriter`: the row is
/// queued and committed with others within a fraction of a second, off the request's latency; a
/// read whose row cannot be queued or written is refused.
package struct ProfilesController: Sendable {
    let store: any AttuneStorage
    let clock: any WallClock
    /// Reads are audited through the queue: the row is committed within a flush interval.
    let audit: AuditWriter
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
        // A merged user's id shows the person it became part of. Everything is read in one
        // transaction on this thread: the ten separate reads it replaced were most of the latency.
        guard
            let view = try await store.profileView(
                of: named, in: principal.workspace, recentItems: Self.affinityItems,
                mentionTargets: MentionAffinity.maxTargets)
        else { throw AttuneError.notFound("user") }
        let user = view.user
        let stored = view.stored
        // By digest: an audit row must not keep an id that an erasure later removes everywhere else.
        try await audit.record(
            .profileRead, actor: principal.keyID, workspace: principal.workspace, subject: UserDigest.auditSubject(user))
        let declaredJSON = try view.declared.map { try JSONParser().parse(pii?.reveal($0) ?? $0) } ?? .object([])
        // Affinities are computed traits: without personalization consent there are none.
        let personal = try store.consentPermits(.personalization, for: user.rawValue, in: principal.workspace)
        var affinity = LabelAffinity()
        if personal {
            affinity = LabelAffinity(items: view.recentLabels)
            MentionAffinity.add(to: &affinity, mentions: view.mentions, catalogue: view.mentionedItems)
        }
        let declaredNames = Set((declaredJSON.objectMembers ?? []).filter { $0.value != .null }.map(\.key))
        // Estimated from behaviour: withheld without personalization consent, and a declared
        // value always wins over a guess made before it arrived.
        let imputed = personal ? view.imputations : []
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
        let merged = view.merged
        let identifiers = view.identifiers
        let merges = view.merges
        return JSONResponse.make(.object([
            ("userId", .string(user.rawValue)),
            ("requestedUserId", .string(named.rawValue)),
            ("mergedUserIds", .array(merged.map { .string($0.rawValue) })),
            ("identifiers", .array(identifiers.map(IdentityJSON.identifier))),
            ("merges", .array(merges.map(IdentityJSON.merge))),
            ("mergeBlocks", .array(view.mergeBlocks.map(IdentityJSON.mergeBlock))),
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
