import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

/// The mechanics of merging and splitting users, each inside its caller's transaction, which
/// holds the workspace's write lock: appends, identify calls and other merges of the workspace
/// wait for it, in every process, so none of them sees a merge half done.
extension PostgresStore {
    /// Makes one person of the groups led by `canonicals` (distinct canonical users).
    /// - Parameters:
    ///   - reasons: why each canonical user joins (the identifier kind, or `manual`).
    ///   - keep: the user to keep, or `nil` for the one known first.
    func mergeGroups(
        _ workspace: Int64, _ canonicals: [String], reasons: [String: String], keep: String?, actor: String,
        at time: Int64, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> MergeOutcome {
        precondition(canonicals.count >= 2)
        let winner: String
        if let keep {
            winner = keep
        } else {
            winner = try await Self.firstKnown(workspace, canonicals, connection, logger)
        }
        var merges: [UserMerge] = []
        for loser in canonicals.sorted() where loser != winner {
            merges.append(
                try await mergeOne(
                    workspace, into: winner, loser, reason: reasons[loser] ?? reasons[winner] ?? UserMerge.manualReason,
                    actor: actor, at: time, connection, logger))
        }
        try await carryRefusals(workspace, into: winner, at: time, connection, logger)
        if maintainsProfiles {
            try await refoldPerson(
                workspace, winner, cause: .merge, reference: MergeRecordText.reference(merges), at: time, connection, logger)
        }
        try await Self.resolveDeclared(workspace, winner, connection, logger)
        if maintainsProfiles {
            try await reevaluateSegments([winner], workspace: workspace, now: time, connection, logger)
        }
        return MergeOutcome(canonical: UserID(unchecked: winner), merges: merges)
    }

    /// Moves `loser` (and everyone merged into it) under `winner`.
    private func mergeOne(
        _ workspace: Int64, into winner: String, _ loser: String, reason: String, actor: String, at time: Int64,
        _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> UserMerge {
        let links = try await connection.query(
            """
            SELECT l.anonymous_id, EXISTS (SELECT 1 FROM identities w WHERE w.workspace = l.workspace
                AND w.user_id = \(winner) AND w.anonymous_id = l.anonymous_id)
            FROM identities l WHERE l.workspace = \(workspace) AND l.user_id = \(loser)
            ORDER BY l.anonymous_id COLLATE "C"
            """, logger: logger)
        var moved: [String] = []
        var shared: [String] = []
        for try await (anonymous, held) in links.decode((String, Bool).self) {
            if held { shared.append(anonymous) } else { moved.append(anonymous) }
        }
        let inserted = try await connection.query(
            """
            INSERT INTO user_merges (workspace, canonical, merged, reason, actor, at, moved, shared)
            VALUES (\(workspace), \(winner), \(loser), \(reason), \(actor), \(time), \(MergeRecordText.array(moved)),
                    \(MergeRecordText.array(shared)))
            RETURNING id
            """, logger: logger)
        var id: Int64 = 0
        for try await value in inserted.decode(Int64.self) { id = value }
        try await connection.query(
            """
            UPDATE user_aliases SET canonical = \(winner) WHERE workspace = \(workspace) AND canonical = \(loser)
            """, logger: logger)
        try await connection.query(
            """
            INSERT INTO user_aliases (workspace, alias, canonical, merge_id) VALUES (\(workspace), \(loser), \(winner), \(id))
            """, logger: logger)
        try await connection.query(
            """
            UPDATE events SET original_user_id = coalesce(original_user_id, user_id), user_id = \(winner)
            WHERE workspace = \(workspace) AND user_id = \(loser)
            """, logger: logger)
        try await connection.query(
            """
            UPDATE identities SET user_id = \(winner)
            WHERE workspace = \(workspace) AND user_id = \(loser) AND NOT (anonymous_id = ANY(\(shared)::text[]))
            """, logger: logger)
        try await connection.query(
            "DELETE FROM identities WHERE workspace = \(workspace) AND user_id = \(loser)", logger: logger)
        if let stored = try await Self.loadProfiles(workspace, [loser], forUpdate: true, connection, logger)[loser] {
            try await connection.query(
                "DELETE FROM profiles WHERE workspace = \(workspace) AND user_id = \(loser)", logger: logger)
            var detail = "{"
            ProfileChanges.changed(from: stored.traits, to: ProfileTraits(), into: &detail)
            detail += #","mergedInto":"#
            ProfileChanges.appendString(winner, to: &detail)
            detail += #","merge":\#(id)}"#
            try await Self.recordVersion(
                workspace, loser, version: stored.version + 1, at: time, cause: .merge, detail: detail, connection, logger)
        }
        try await connection.query(
            "DELETE FROM user_traits WHERE workspace = \(workspace) AND user_id = \(loser)", logger: logger)
        if maintainsProfiles {
            // Rule segments are left through evaluation (campaigns hear of it); learned ones go.
            try await reevaluateSegments([loser], workspace: workspace, now: time, connection, logger)
        }
        try await connection.query(
            "DELETE FROM segment_memberships WHERE workspace = \(workspace) AND user_id = \(loser)", logger: logger)
        return UserMerge(
            id: id, canonical: UserID(unchecked: winner), merged: UserID(unchecked: loser), reason: reason, actor: actor,
            at: Timestamp(millisecondsSinceEpoch: time))
    }

    /// Splits merge `merge` back: its merged user, with everyone merged into that user before,
    /// becomes a person of its own again.
    func split(
        _ workspace: Int64, _ merge: UserMerge, actor: String, at time: Int64, _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        let current = try await Self.canonical(workspace, merge.canonical.rawValue, connection, logger)
        let leaving = merge.merged.rawValue
        let group = try await Self.mergedBefore(workspace, leaving, connection, logger)
        try await connection.query(
            "UPDATE user_merges SET undone_at = \(time), undone_by = \(actor) WHERE id = \(merge.id)", logger: logger)
        // The next import sharing the identifier must not join them again.
        try await Self.blockMerge(
            workspace, leaving, merge.canonical.rawValue, merge: merge.id, at: time, connection, logger)
        try await connection.query(
            "DELETE FROM user_aliases WHERE workspace = \(workspace) AND alias = \(leaving)", logger: logger)
        let followers = group.filter { $0 != leaving }
        if !followers.isEmpty {
            try await connection.query(
                """
                UPDATE user_aliases SET canonical = \(leaving)
                WHERE workspace = \(workspace) AND alias = ANY(\(followers)::text[])
                """, logger: logger)
        }
        try await connection.query(
            """
            UPDATE events SET user_id = \(leaving), original_user_id = nullif(original_user_id, \(leaving))
            WHERE workspace = \(workspace) AND user_id = \(current) AND original_user_id = ANY(\(group)::text[])
            """, logger: logger)
        let lists = try await connection.query(
            "SELECT moved, shared FROM user_merges WHERE id = \(merge.id)", logger: logger)
        var moved: [String] = []
        var shared: [String] = []
        for try await (movedText, sharedText) in lists.decode((String, String).self) {
            moved = MergeRecordText.strings(movedText)
            shared = MergeRecordText.strings(sharedText)
        }
        // A link the leaving user holds already stays where it is (SQLite's UPDATE OR IGNORE).
        try await connection.query(
            """
            UPDATE identities l SET user_id = \(leaving)
            WHERE l.workspace = \(workspace) AND l.user_id = \(current) AND l.anonymous_id = ANY(\(moved)::text[])
              AND NOT EXISTS (SELECT 1 FROM identities h WHERE h.workspace = l.workspace AND h.user_id = \(leaving)
                              AND h.anonymous_id = l.anonymous_id)
            """, logger: logger)
        try await connection.query(
            """
            INSERT INTO identities (workspace, user_id, anonymous_id, linked_at)
            SELECT \(workspace), \(leaving), anonymous_id, \(time) FROM unnest(\(shared)::text[]) AS t(anonymous_id)
            ON CONFLICT DO NOTHING
            """, logger: logger)
        let reference = #"{"unmerged":\#(merge.id)}"#
        if maintainsProfiles {
            try await refoldPerson(workspace, current, cause: .unmerge, reference: reference, at: time, connection, logger)
            try await refoldPerson(workspace, leaving, cause: .unmerge, reference: reference, at: time, connection, logger)
        }
        try await Self.resolveDeclared(workspace, current, connection, logger)
        try await Self.resolveDeclared(workspace, leaving, connection, logger)
        if maintainsProfiles {
            try await reevaluateSegments([current, leaving], workspace: workspace, now: time, connection, logger)
        }
    }

    /// `user` and everyone merged into it by merges still in force whose canonical user was in
    /// that set: the group that leaves with it on an unmerge.
    static func mergedBefore(_ workspace: Int64, _ user: String, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> [String]
    {
        var group = [user]
        var index = 0
        while index < group.count {
            let rows = try await connection.query(
                """
                SELECT merged FROM user_merges
                WHERE workspace = \(workspace) AND canonical = \(group[index]) AND undone_at IS NULL ORDER BY id
                """, logger: logger)
            for try await member in rows.decode(String.self) where !group.contains(member) { group.append(member) }
            index += 1
        }
        return group
    }

    /// A refusal by any member is a refusal of the merged person: consent after a merge is the
    /// most restrictive per purpose. Grants of merged users are not carried over.
    ///
    /// Written as a consent change with source `merge`, as SQLite records it: the workspace's
    /// consent generation is bumped first (its row lock orders this against `recordConsent` for
    /// the same person, so neither overwrites the other, and the bump notifies every process's
    /// consent memory), then the decision is stored at that generation with a history row.
    private func carryRefusals(
        _ workspace: Int64, into canonical: String, at time: Int64, _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        let generation = try await bumpConsentGeneration(workspace, clearing: false, connection, logger)
        let members = try await Self.members(workspace, canonical, connection, logger)
        let view = try await PostgresConsentView.read(members, workspace: workspace, connection, logger)
        let own = view.choices[canonical] ?? ConsentChoices()
        var refusals = ConsentChoices()
        for member in members.dropFirst() {
            guard let choices = view.choices[member] else { continue }
            for purpose in ConsentPurpose.allCases where choices[purpose] == false && own[purpose] != false {
                refusals[purpose] = false
            }
        }
        guard !refusals.isEmpty else { return }
        let after = own.applying(refusals)
        try await connection.query(
            """
            INSERT INTO consents (workspace, user_id, choices, updated_at, generation)
            VALUES (\(workspace), \(canonical), \(after.encoded), \(time), \(generation))
            ON CONFLICT (workspace, user_id) DO UPDATE SET
                choices = excluded.choices, updated_at = excluded.updated_at, generation = excluded.generation
            """, logger: logger)
        try await connection.query(
            """
            INSERT INTO consent_history (workspace, user_id, choices, source, at)
            VALUES (\(workspace), \(canonical), \(refusals.encoded), 'merge', \(time))
            """, logger: logger)
        guard own.permits(.personalization, under: view.policy), !after.permits(.personalization, under: view.policy)
        else { return }
        try await connection.query(
            "DELETE FROM profiles WHERE workspace = \(workspace) AND user_id = \(canonical)", logger: logger)
        // Rule segments are left through evaluation (the person now matches none); learned
        // memberships simply go.
        try await reevaluateSegments([canonical], workspace: workspace, now: time, connection, logger)
        try await connection.query(
            "DELETE FROM segment_memberships WHERE workspace = \(workspace) AND user_id = \(canonical)", logger: logger)
    }

    /// Recomputes `user`'s profile from every event it owns after a merge or an unmerge, as a new
    /// version with `cause`; a profile left without events is removed (its history stays).
    func refoldPerson(
        _ workspace: Int64, _ user: String, cause: ProfileVersion.Cause, reference: String, at time: Int64,
        _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        let stored = try await Self.loadProfiles(workspace, [user], forUpdate: true, connection, logger)[user]
        let view = try await PostgresConsentView.read([user], workspace: workspace, connection, logger)
        guard view.permits(.personalization, for: user) else { return }
        let rows = try await connection.query(
            """
            SELECT type, session_id, value, ts FROM events
            WHERE workspace = \(workspace) AND (user_id = \(user) OR (user_id IS NULL AND anonymous_id IN
                (SELECT anonymous_id FROM identities WHERE workspace = \(workspace) AND user_id = \(user))))
            ORDER BY seq
            """, logger: logger)
        var traits = ProfileTraits()
        for try await (type, session, value, ts) in rows.decode((String, String?, Double?, Int64).self) {
            if SegmentEvents.isSegmentEvent(type) { continue }
            traits.apply(type: type, sessionID: session, value: value, timestamp: ts)
        }
        guard traits.eventCount > 0 || stored != nil else { return }
        let last = stored == nil ? try await Self.lastVersions(workspace, [user], connection, logger)[user] : nil
        let version = (stored?.version ?? last ?? 0) + 1
        var detail = "{"
        ProfileChanges.changed(from: stored?.traits ?? ProfileTraits(), to: traits, into: &detail)
        detail += "," + reference.dropFirst()
        if traits.eventCount > 0 {
            try await Self.save(
                [ProfileSave(user: user, traits: traits, version: version, at: time, cause: cause, detail: detail)],
                workspace: workspace, connection, logger)
        } else {
            try await connection.query(
                "DELETE FROM profiles WHERE workspace = \(workspace) AND user_id = \(user)", logger: logger)
            try await Self.recordVersion(
                workspace, user, version: version, at: time, cause: cause, detail: detail, connection, logger)
        }
    }

    /// A history row without a profile row to save with it (the profile was removed).
    static func recordVersion(
        _ workspace: Int64, _ user: String, version: Int, at time: Int64, cause: ProfileVersion.Cause, detail: String,
        _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO profile_history (workspace, user_id, version, at, cause, detail)
            VALUES (\(workspace), \(user), \(Int64(version)), \(time), \(cause.rawValue), \(detail))
            """, logger: logger)
    }

    /// The member known first: earliest first identifier, first declaration or first event of
    /// its group; ties go to the smaller id.
    static func firstKnown(_ workspace: Int64, _ canonicals: [String], _ connection: PostgresConnection, _ logger: Logger)
        async throws -> String
    {
        var best: (since: Int64, user: String)?
        for canonical in canonicals {
            let members = try await members(workspace, canonical, connection, logger)
            let rows = try await connection.query(
                """
                SELECT (SELECT min(first_seen) FROM user_identifiers
                        WHERE workspace = \(workspace) AND user_id = ANY(\(members)::text[])),
                       (SELECT min(first_at) FROM declared_sources
                        WHERE workspace = \(workspace) AND user_id = ANY(\(members)::text[])),
                       (SELECT first_seen FROM profiles WHERE workspace = \(workspace) AND user_id = \(canonical) AND events > 0)
                """, logger: logger)
            var since = Int64.max
            for try await (identified, declared, seen) in rows.decode((Int64?, Int64?, Int64?).self) {
                for value in [identified, declared, seen] { if let value { since = min(since, value) } }
            }
            if best == nil || (since, canonical) < (best!.since, best!.user) { best = (since, canonical) }
        }
        return best!.user
    }

    static let mergeColumns = "id, canonical, merged, reason, actor, at, undone_at, undone_by"

    static func userMerges(_ rows: PostgresRowSequence) async throws -> [UserMerge] {
        var out: [UserMerge] = []
        let decoded = rows.decode((Int64, String, String, String, String, Int64, Int64?, String?).self)
        for try await (id, canonical, merged, reason, actor, at, undoneAt, undoneBy) in decoded {
            out.append(UserMerge(
                id: id, canonical: UserID(unchecked: canonical), merged: UserID(unchecked: merged), reason: reason,
                actor: actor, at: Timestamp(millisecondsSinceEpoch: at),
                undoneAt: undoneAt.map(Timestamp.init(millisecondsSinceEpoch:)), undoneBy: undoneBy))
        }
        return out
    }
}
