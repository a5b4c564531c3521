import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation
import Hummingbird

/// `GET /dashboard/users?id=`: one person's profile, segments, recommendations with reasons and
/// latest events. Each profile shown is audited like `GET /v1/users/{id}`.
enum UserPage {
    static let recentEvents = 20
    static let recommendations = 10

    @Sendable static func render(_ context: DashboardContext, _ request: Request) async throws -> HTML {
        let raw = request.uri.queryParameters[values: "id"].first.map(String.init)?.trimmingCharacters(in: .whitespaces)
        var body: HTML = """
            <form class="inline" method="get" action="/dashboard/users"><label class="muted" for="id">User id</label>\
            <input type="text" id="id" name="id" value="\(raw ?? "")" required><button type="submit">Look up</button></form>
            """
        guard let raw, !raw.isEmpty else {
            body.append(try await recentUsers(context))
            return body
        }
        let named: UserID
        do {
            named = try UserID.validated(raw, field: "id")
        } catch {
            body.append("<p class=\"error\">Not a user id: \(error.message)</p>")
            return body
        }
        let store = context.dependencies.store
        let workspace = context.workspace
        // Read as `GET /v1/users/{id}` reads it: a merged id shows its person, in one transaction.
        guard
            let view = try await store.profileView(
                of: named, in: workspace, recentItems: ProfilesController.affinityItems,
                mentionTargets: MentionAffinity.maxTargets)
        else {
            body.append("<p class=\"empty\">No profile for user <strong>\(named)</strong> in this workspace.</p>")
            return body
        }
        let user = view.user
        let stored = view.stored
        // As the API does: by digest, so that an erasure leaves no id in the log.
        try await context.dependencies.readAudit.record(
            .profileRead, actor: context.principal.keyID, workspace: workspace, subject: UserDigest.auditSubject(user),
            detail: "dashboard")
        body.append("<h2>User <code>\(user)</code></h2>")
        if user != named {
            body.append("<p class=\"muted\"><code>\(named)</code> was merged into this person.</p>")
        }
        if let stored {
            body.append("<p class=\"muted\">Profile version \(stored.version), updated \(DashboardFormat.time(stored.updatedAt))</p>")
        }
        let pii = context.dependencies.pii
        let declaredJSON = view.declared.flatMap { try? JSONParser().parse(pii?.reveal($0) ?? $0) } ?? .object([])
        body.append("<h2>Declared attributes</h2>")
        body.append(JSONTable.render(declaredJSON, empty: "No declared attributes."))

        // Affinities are computed traits: without personalization consent there are none.
        var affinity = LabelAffinity()
        if try store.consentPermits(.personalization, for: user.rawValue, in: workspace) {
            affinity = LabelAffinity(items: view.recentLabels)
            MentionAffinity.add(to: &affinity, mentions: view.mentions, catalogue: view.mentionedItems)
        }
        body.append("<h2>Computed traits</h2>")
        body.append(JSONTable.render(
            (stored?.traits ?? ProfileTraits()).publicJSON(now: context.now, affinity: affinity), empty: "No computed traits yet."))

        let memberOf = Set(try await store.segments(of: user, in: workspace))
        let segments = try await store.segments(in: workspace).filter { memberOf.contains($0.id) }
        body.append("<h2>Segments</h2>")
        body.append(DashboardLayout.table(
            ["segment", "kind", "definition"],
            segments.map { s in ["\(s.name)", "\(s.kind.rawValue)", "<code>\(s.rule ?? s.explanation?.rules ?? "")</code>"] },
            empty: "Not in any segment."))

        var wanted = RecommendationRequest()
        wanted.count = recommendations
        let list = try await context.dependencies.recommendations.recommend(user: user, in: workspace, request: wanted)
        let titles = try await store.items(list.items.map(\.item), in: workspace)
        body.append("<h2>Recommendations</h2>")
        body.append("<p class=\"muted\">Strategy \(list.strategy)\(list.modelVersion.map { ", model v\($0)" } ?? ", no trained model"): what <code>GET /v1/users/{id}/recommendations</code> answers now.</p>")
        body.append(DashboardLayout.table(
            ["#", "item", "title", "score", "reason"],
            list.items.enumerated().map { k, r in
                [
                    "\(k + 1)", "<code>\(r.item)</code>", "\(titles[r.item]?.title ?? "")",
                    "\(DashboardFormat.number(r.score, digits: 4))", "\(r.reason)\(r.exploration ? " (exploration)" : "")",
                ]
            },
            empty: "No recommendations: the catalogue has nothing to offer this user."))

        let events = try await store.recentEvents(of: user, in: workspace, limit: recentEvents)
        body.append("<h2>Latest events</h2>")
        body.append(DashboardLayout.table(
            ["time", "type", "item", "value", "session"],
            events.reversed().map { stored in
                let e = stored.event
                return [
                    "\(DashboardFormat.time(e.timestamp))", "\(e.type.rawValue)", "<code>\(e.itemID?.rawValue ?? "")</code>",
                    "\(DashboardFormat.number(e.value, digits: 2))", "<code>\(e.sessionID?.rawValue ?? "")</code>",
                ]
            },
            empty: "No events."))

        let versions = try await store.profileHistory(of: user, in: workspace, before: nil, limit: recentVersions)
        body.append("<h2>Profile history</h2>")
        body.append(DashboardLayout.table(
            ["version", "time", "cause", "what changed"],
            versions.map { v in
                ["\(v.version)", "\(DashboardFormat.time(v.at))", "\(v.cause.rawValue)", "\(changedFields(v.detail))"]
            },
            empty: "No profile versions yet."))
        return body
    }

    static let recentVersions = 10

    /// The computed fields a version changed, by name (`countsByType` per type), from its detail.
    static func changedFields(_ detail: String) -> String {
        guard let json = try? JSONParser().parse(detail), let changed = json["changed"]?.objectMembers else { return "" }
        var names: [String] = []
        for member in changed {
            if member.key == "countsByType", let types = member.value.objectMembers {
                names += types.map { "\($0.key) count" }
            } else {
                names.append(member.key)
            }
        }
        return names.joined(separator: ", ")
    }

    private static func recentUsers(_ context: DashboardContext) async throws -> HTML {
        let users = try await context.dependencies.store.recentUsers(in: context.workspace, limit: 20)
        guard !users.isEmpty else { return "<p class=\"empty\">No signed-in user has sent an event yet.</p>" }
        let links = users.map { user -> HTML in
            "<li><a href=\"/dashboard/users?id=\(HTML.queryValue(user.rawValue))\">\(user)</a></li>"
        }
        return "<h2>Recently active users</h2><ul>\(links)</ul>"
    }
}

/// A JSON object as a two-column table; nested values as compact JSON.
enum JSONTable {
    static func render(_ value: JSONValue, empty: String) -> HTML {
        guard let members = value.objectMembers, !members.isEmpty else { return "<p class=\"empty\">\(empty)</p>" }
        return DashboardLayout.table(
            ["name", "value"],
            members.map { member -> [HTML] in ["<code>\(member.key)</code>", "\(text(member.value))"] },
            empty: empty)
    }

    /// Readable text for a value: strings bare, numbers rounded, objects as `name: value` lists.
    static func text(_ value: JSONValue, nested: Bool = false) -> String {
        switch value {
        case .string(let s): return s
        case .number(let n): return DashboardFormat.number(n, digits: 4)
        case .object(let members):
            let inner = members.map { "\($0.key): \(text($0.value, nested: true))" }.joined(separator: ", ")
            return nested ? "{\(inner)}" : inner
        case .array(let elements):
            let inner = elements.map { text($0, nested: true) }.joined(separator: ", ")
            return nested ? "[\(inner)]" : inner
        default: return value.serialized()
        }
    }
}
