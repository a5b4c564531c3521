import AttuneCore
import AttuneStore

/// Everything held about one person as one JSON document: declared traits, computed profile,
/// linked anonymous ids, segment memberships, experiment exposures, the served model's vector for
/// them, the profile's version history, their customer texts with what they mention, consent with
/// its history, and every event (their own and their anonymous ids').
///
/// The document is written in pieces: texts and events are read `pageSize` at a time and handed on, so a
/// user with a long history never needs it all in memory. The server and `attune users export`
/// both come here.
package struct UserExport: Sendable {
    /// Everything but the events, read before anything is written so that an unknown user can
    /// still be answered with a 404.
    package struct Summary: Sendable {
        package var user: UserID
        package var workspace: WorkspaceID
        package var json: [(key: String, value: JSONValue)]
        /// The ids merged into the person: their texts are written with the person's.
        package var merged: [UserID] = []
    }

    let store: any AttuneStorage
    let clock: any WallClock
    /// The model whose vector is exported; `nil` when none is served.
    let model: @Sendable (WorkspaceID) -> ModelSnapshot?
    package var pageSize = 1_000
    /// Decrypts pseudonymised attributes for the person's copy; `nil` when protection is off.
    package var pii: PIIProtection?

    package init(store: any AttuneStorage, clock: any WallClock, model: @escaping @Sendable (WorkspaceID) -> ModelSnapshot?) {
        self.store = store
        self.clock = clock
        self.model = model
    }

    /// Reads what is held about `user` apart from events, and audits the export.
    /// - Returns: `nil` when nothing is held (nothing is audited then).
    package func begin(_ named: UserID, in workspace: WorkspaceID, actor: String) async throws -> Summary? {
        // A merged id is exported as the person it became part of, with every id merged into it.
        let user = try await store.canonicalUser(of: named, in: workspace)
        let merged = try await store.mergedUsers(into: user, in: workspace)
        let personIdentifiers = try await store.identifiers(of: [user] + merged, in: workspace)
        let merges = try await store.merges(involving: [user] + merged, in: workspace)
        let blocks = try await store.mergeBlocks(involving: [user] + merged, in: workspace)
        let declared = try await store.traits(of: user, in: workspace)
        let profile = try await store.profile(of: user, in: workspace)
        let history = try await store.allProfileVersions(of: user, in: workspace)
        let anonymous = try await store.anonymousIDs(of: user, in: workspace)
        let segmentIDs = try await store.segments(of: user, in: workspace)
        // A merge moves events and links; what else an id held before it stays under that id.
        let exposures = try await store.exposures(
            ofUnits: ([user] + merged).map(\.rawValue) + anonymous.map(\.rawValue), in: workspace)
        let firstEvent = try await store.events(of: user, in: workspace, after: nil, limit: 1)
        let firstText = try await store.texts(of: user, in: workspace, after: nil, limit: 1)
        let consent = try await store.consent(of: user, in: workspace)
        let imputed = try await store.imputations(of: user, in: workspace)
        guard declared != nil || profile != nil || !anonymous.isEmpty || !segmentIDs.isEmpty || !exposures.isEmpty
            || !firstEvent.isEmpty || !firstText.isEmpty || consent != nil || !personIdentifiers.isEmpty || !merges.isEmpty
            || !blocks.isEmpty
        else { return nil }

        var segments: [JSONValue] = []
        for id in segmentIDs {
            let name = try await store.segment(id, in: workspace)?.name
            segments.append(.object([("id", .string(id.rawValue)), ("name", name.map(JSONValue.string) ?? .null)]))
        }
        let now = clock.now()
        let declaredJSON = try declared.map { try JSONParser().parse(pii?.reveal($0) ?? $0) } ?? .null
        let profileJSON = profile.map { stored -> JSONValue in
            .object([
                ("version", .number(Double(stored.version))), ("updatedAt", .string(stored.updatedAt.iso8601)),
                ("computed", stored.traits.publicJSON(now: now)),
            ])
        } ?? .null
        let exposuresJSON = exposures.map { e -> JSONValue in
            .object([
                ("experiment", .string(e.experiment.rawValue)), ("unit", .string(e.unit)),
                ("variant", .number(Double(e.variant))), ("exposedAt", .string(e.time.iso8601)),
            ])
        }
        var vector: JSONValue = .null
        if let snapshot = model(workspace), let values = snapshot.userVector(of: user.rawValue) {
            vector = .object([
                ("modelVersion", .number(Double(snapshot.version))), ("family", .string(snapshot.family.rawValue)),
                ("userVector", .array(values.map { .number(Double($0)) })),
            ])
        }
        let summary = Summary(user: user, workspace: workspace, json: [
            ("userId", .string(user.rawValue)),
            ("workspace", .string(workspace.rawValue)),
            ("exportedAt", .string(now.iso8601)),
            ("declared", declaredJSON),
            // Estimates from similar users' behaviour are data about the person too.
            ("imputed", .object(imputed.map { entry in
                (entry.attribute, .object([
                    ("value", (try? JSONParser().parse(entry.value)) ?? .null), ("confidence", .number(entry.confidence)),
                    ("imputedAt", .string(entry.imputedAt.iso8601)),
                ]))
            })),
            ("profile", profileJSON),
            ("history", .array(history.map(\.json))),
            ("identifiers", .object([
                ("anonymousIds", .array(anonymous.map { .string($0.rawValue) })),
                ("mergedUserIds", .array(merged.map { .string($0.rawValue) })),
                ("person", .array(personIdentifiers.map(IdentityJSON.identifier))),
                ("merges", .array(merges.map(IdentityJSON.merge))),
                ("mergeBlocks", .array(blocks.map(IdentityJSON.mergeBlock))),
            ])),
            ("segments", .array(segments)),
            ("exposures", .array(exposuresJSON)),
            ("model", vector),
            ("consent", ConsentRecord.json(consent, user: user, policy: try store.consentDefault(), history: true)),
            ("mergedIds", .array(try await mergedIDs(merged, in: workspace))),
        ], merged: merged)
        try await AuditLog(store: store, clock: clock).record(
            .userExported, actor: actor, workspace: workspace, subject: UserDigest.auditSubject(user))
        return summary
    }

    /// What each merged id still holds under its own name: its consent decisions and their
    /// history, its profile versions from before the merge, and estimates made for it.
    private func mergedIDs(_ merged: [UserID], in workspace: WorkspaceID) async throws -> [JSONValue] {
        var out: [JSONValue] = []
        for id in merged {
            let consent = try await store.consent(of: id, in: workspace)
            let history = try await store.allProfileVersions(of: id, in: workspace)
            let imputed = try await store.imputations(of: id, in: workspace)
            let policy = try store.consentDefault()
            out.append(.object([
                ("userId", .string(id.rawValue)),
                ("consent", consent.map { ConsentRecord.json($0, user: id, policy: policy, history: true) } ?? .null),
                ("history", .array(history.map(\.json))),
                ("imputed", .object(imputed.map { ($0.attribute, (try? JSONParser().parse($0.value)) ?? .null) })),
            ]))
        }
        return out
    }

    /// Writes the whole document to `sink` in pieces of roughly `chunkBytes`; texts, then events last.
    /// - Returns: how many events were written.
    @discardableResult
    package func write(
        _ summary: Summary, chunkBytes: Int = 64 * 1024, to sink: (String) async throws -> Void
    ) async throws -> Int {
        // The summary serialised as an object, reopened to append the events array to it.
        var text = JSONValue.object(summary.json).serialized()
        text.removeLast()
        text += #","texts":["#
        var textCount = 0
        for author in [summary.user] + summary.merged {
            try await appendPages(to: &text, count: &textCount, chunkBytes: chunkBytes, sink: sink) { cursor in
                try await store.texts(of: author, in: summary.workspace, after: cursor, limit: pageSize)
                    .map { ($0.sequence, $0.text.json) }
            }
        }
        text += #"],"events":["#
        var count = 0
        try await appendPages(to: &text, count: &count, chunkBytes: chunkBytes, sink: sink) { cursor in
            try await store.events(of: summary.user, in: summary.workspace, after: cursor, limit: pageSize)
                .map { ($0.sequence, $0.json) }
        }
        text += "]}"
        try await sink(text)
        return count
    }

    /// Appends every page `fetch` returns to `text` as elements of a JSON array (`count` of them
    /// so far), handing `text` to `sink` whenever it reaches `chunkBytes`.
    private func appendPages(
        to text: inout String, count: inout Int, chunkBytes: Int, sink: (String) async throws -> Void,
        fetch: (Int64?) async throws -> [(sequence: Int64, json: JSONValue)]
    ) async throws {
        var cursor: Int64?
        while true {
            let page = try await fetch(cursor)
            for row in page {
                if count > 0 { text += "," }
                text += row.json.serialized()
                count += 1
                if text.utf8.count >= chunkBytes {
                    try await sink(text)
                    text = ""
                }
            }
            guard let last = page.last, page.count == pageSize else { break }
            cursor = last.sequence
        }
    }
}
