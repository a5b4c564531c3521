import AttuneCore
import GRDB

/// The mechanics of merging and splitting users, each inside its caller's write transaction.
extension SQLiteStore {
    /// Makes one person of the groups led by `canonicals` (distinct canonical users).
    /// - Parameters:
    ///   - reasons: why each canonical user joins (the identifier kind, or `manual`).
    ///   - keep: the user to keep, or `nil` for the one known first.
    func mergeGroups(
        _ workspace: Int64, _ canonicals: [String], reasons: [String: String], keep: String?, actor: String,
        at time: Int64,
        _ db: Database
    ) throws -> MergeOutcome {
        precondition(canonicals.count >= 2)
        let winner = try keep ?? Self.firstKnown(workspace, canonicals, db)
        var merges: [UserMerge] = []
        for loser in canonicals.sorted() where loser != winner {
            merges.append(
                try mergeOne(
                    workspace, into: winner, loser, reason: reasons[loser] ?? reasons[winner] ?? UserMerge.manualReason,
                    actor: actor, at: time, db))
        }
        try carryRefusals(workspace, into: winner, at: time, db)
        if maintainsProfiles {
            try refoldPerson(workspace, winner, cause: .merge, reference: MergeRecordText.reference(merges), at: time, db)
        }
        try Self.resolveDeclared(workspace, winner, db)
        if maintainsProfiles {
            try reevaluateSegments([winner], workspace: workspace, now: time, db)
        }
        return MergeOutcome(canonical: UserID(unchecked: winner), merges: merges)
    }

    /// Moves `loser` (and everyone merged into it) under `winner`.
    private func mergeOne(
        _ workspace: Int64, into winner: String, _ loser: String, reason: String, actor: String, at time: Int64,
        _ db: Database
    ) throws -> UserMerge {
        let links = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT anonymous_id, EXISTS (SELECT 1 FROM identities w WHERE w.workspace = l.workspace
                        AND w.user_id = ? AND w.anonymous_id = l.anonymous_id)
                    FROM identities l WHERE l.workspace = ? AND l.user_id = ? ORDER BY anonymous_id
                    """),
            arguments: [winner, workspace, loser])
        let moved = links.filter { !($0[1] as Bool) }.map { $0[0] as String }
        let shared = links.filter { $0[1] as Bool }.map { $0[0] as String }
        try db.cachedStatement(
            sql: """
                INSERT INTO user_merges (workspace, canonical, merged, reason, actor, at, moved, shared)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        .execute(arguments: [
            workspace, winner, loser, reason, actor, time, MergeRecordText.array(moved), MergeRecordText.array(shared),
        ])
        let id = db.lastInsertedRowID
        try db.cachedStatement(sql: "UPDATE user_aliases SET canonical = ? WHERE workspace = ? AND canonical = ?")
            .execute(arguments: [winner, workspace, loser])
        try db.cachedStatement(
            sql: "INSERT INTO user_aliases (workspace, alias, canonical, merge_id) VALUES (?, ?, ?, ?)"
        )
        .execute(arguments: [workspace, loser, winner, id])
        try db.cachedStatement(
            sql: """
                UPDATE events SET original_user_id = coalesce(original_user_id, user_id), user_id = ?
                WHERE workspace = ? AND user_id = ?
                """
        ).execute(arguments: [winner, workspace, loser])
        try db.cachedStatement(
            sql: """
                UPDATE identities SET user_id = ? WHERE workspace = ? AND user_id = ? AND anonymous_id NOT IN
                    (SELECT anonymous_id FROM identities WHERE workspace = ? AND user_id = ?)
                """
        ).execute(arguments: [winner, workspace, loser, workspace, winner])
        try db.cachedStatement(sql: "DELETE FROM identities WHERE workspace = ? AND user_id = ?")
            .execute(arguments: [workspace, loser])
        if let stored = try Self.loadProfile(workspace, loser, db) {
            try db.cachedStatement(sql: "DELETE FROM profiles WHERE workspace = ? AND user_id = ?")
                .execute(arguments: [workspace, loser])
            var detail = "{"
            ProfileChanges.changed(from: stored.traits, to: ProfileTraits(), into: &detail)
            detail += #","mergedInto":"#
            ProfileChanges.appendString(winner, to: &detail)
            detail += #","merge":\#(id)}"#
            try Self.recordVersion(
                workspace, loser, version: stored.version + 1, at: time, cause: .merge, detail: detail, db)
        }
        try db.cachedStatement(sql: "DELETE FROM user_traits WHERE workspace = ? AND user_id = ?")
            .execute(arguments: [workspace, loser])
        if maintainsProfiles {
            // Rule segments are left through evaluation (campaigns hear of it); learned ones go.
            try reevaluateSegments([loser], workspace: workspace, now: time, db)
        }
        try db.cachedStatement(sql: "DELETE FROM segment_memberships WHERE workspace = ? AND user_id = ?")
            .execute(arguments: [workspace, loser])
        return UserMerge(
            id: id, canonical: UserID(unchecked: winner), merged: UserID(unchecked: loser), reason: reason,
            actor: actor,
            at: Timestamp(millisecondsSinceEpoch: time))
    }

    /// Splits merge `merge` back: its merged user, with everyone merged into that user before,
    /// becomes a person of its own again.
    func split(_ workspace: Int64, _ merge: UserMerge, actor: String, at time: Int64, _ db: Database) throws {
        let current = try Self.canonical(workspace, merge.canonical.rawValue, db)
        let leaving = merge.merged.rawValue
        let group = try Self.mergedBefore(workspace, leaving, db)
        try db.cachedStatement(sql: "UPDATE user_merges SET undone_at = ?, undone_by = ? WHERE id = ?")
            .execute(arguments: [time, actor, merge.id])
        // The next import sharing the identifier must not join them again.
        try Self.blockMerge(workspace, leaving, merge.canonical.rawValue, merge: merge.id, at: time, db)
        try db.cachedStatement(sql: "DELETE FROM user_aliases WHERE workspace = ? AND alias = ?")
            .execute(arguments: [workspace, leaving])
        for member in group where member != leaving {
            try db.cachedStatement(sql: "UPDATE user_aliases SET canonical = ? WHERE workspace = ? AND alias = ?")
                .execute(arguments: [leaving, workspace, member])
        }
        for member in group {
            try db.cachedStatement(
                sql: """
                    UPDATE events SET user_id = ?, original_user_id = nullif(original_user_id, ?)
                    WHERE workspace = ? AND user_id = ? AND original_user_id = ?
                    """
            ).execute(arguments: [leaving, leaving, workspace, current, member])
        }
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT moved, shared FROM user_merges WHERE id = ?"),
            arguments: [merge.id])
        for anonymous in MergeRecordText.strings(row?[0]) {
            try db.cachedStatement(
                sql:
                    "UPDATE OR IGNORE identities SET user_id = ? WHERE workspace = ? AND user_id = ? AND anonymous_id = ?"
            )
            .execute(arguments: [leaving, workspace, current, anonymous])
        }
        for anonymous in MergeRecordText.strings(row?[1]) {
            try db.cachedStatement(
                sql: """
                    INSERT INTO identities (workspace, user_id, anonymous_id, linked_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT DO NOTHING
                    """
            ).execute(arguments: [workspace, leaving, anonymous, time])
        }
        let reference = #"{"unmerged":\#(merge.id)}"#
        if maintainsProfiles {
            try refoldPerson(workspace, current, cause: .unmerge, reference: reference, at: time, db)
            try refoldPerson(workspace, leaving, cause: .unmerge, reference: reference, at: time, db)
        }
        try Self.resolveDeclared(workspace, current, db)
        try Self.resolveDeclared(workspace, leaving, db)
        if maintainsProfiles {
            try reevaluateSegments([current, leaving], workspace: workspace, now: time, db)
        }
    }

    /// `user` and everyone merged into it by merges still in force whose canonical user was in
    /// that set: the group that leaves with it on an unmerge.
    static func mergedBefore(_ workspace: Int64, _ user: String, _ db: Database) throws -> [String] {
        var group = [user]
        var index = 0
        while index < group.count {
            let next = try String.fetchAll(
                db.cachedStatement(
                    sql: "SELECT merged FROM user_merges WHERE workspace = ? AND canonical = ? AND undone_at IS NULL"),
                arguments: [workspace, group[index]])
            for member in next where !group.contains(member) { group.append(member) }
            index += 1
        }
        return group
    }

    /// A refusal by any member is a refusal of the merged person: consent after a merge is the
    /// most restrictive per purpose. Grants of merged users are not carried over.
    private func carryRefusals(_ workspace: Int64, into canonical: String, at time: Int64, _ db: Database) throws {
        let members = try Self.members(workspace, canonical, db)
        let entry = try consentEntry(workspace, db)
        let own = entry.choices[canonical] ?? ConsentChoices()
        var refusals = ConsentChoices()
        for member in members.dropFirst() {
            guard let choices = entry.choices[member] else { continue }
            for purpose in ConsentPurpose.allCases where choices[purpose] == false && own[purpose] != false {
                refusals[purpose] = false
            }
        }
        guard !refusals.isEmpty else { return }
        _ = try recordConsent(
            ConsentUpdate(choices: refusals, source: "merge"), of: canonical, workspace: workspace,
            at: Timestamp(millisecondsSinceEpoch: time), db)
    }

    /// Recomputes `user`'s profile from every event it owns after a merge or an unmerge, as a new
    /// version with `cause`; a profile left without events is removed (its history stays).
    func refoldPerson(
        _ workspace: Int64, _ user: String, cause: ProfileVersion.Cause, reference: String, at time: Int64,
        _ db: Database
    ) throws {
        let stored = try Self.loadProfile(workspace, user, db)
        guard try consentEntry(workspace, db).permits(.personalization, for: user) else { return }
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT * FROM events WHERE workspace = ?1 AND (user_id = ?2 OR (user_id IS NULL AND anonymous_id IN
                        (SELECT anonymous_id FROM identities WHERE workspace = ?1 AND user_id = ?2)))
                    ORDER BY seq
                    """),
            arguments: [workspace, user])
        var traits = ProfileTraits()
        while let row = try rows.next() {
            let event = Self.storedEvent(row).event
            if SegmentEvents.isSegmentEvent(event.type.rawValue) { continue }
            Self.fold(event, into: &traits)
        }
        guard traits.eventCount > 0 || stored != nil else { return }
        let version = try Self.nextVersion(after: stored, workspace, user, db)
        var detail = "{"
        ProfileChanges.changed(from: stored?.traits ?? ProfileTraits(), to: traits, into: &detail)
        detail += "," + reference.dropFirst()
        if traits.eventCount > 0 {
            try Self.saveProfile(workspace, user, traits, version: version, at: time, db)
        } else {
            try db.cachedStatement(sql: "DELETE FROM profiles WHERE workspace = ? AND user_id = ?")
                .execute(arguments: [workspace, user])
        }
        try Self.recordVersion(workspace, user, version: version, at: time, cause: cause, detail: detail, db)
    }

    /// The member known first: earliest first identifier, first declaration or first event of
    /// its group; ties go to the smaller id.
    static func firstKnown(_ workspace: Int64, _ canonicals: [String], _ db: Database) throws -> String {
        var best: (since: Int64, user: String)?
        for canonical in canonicals {
            let members = try members(workspace, canonical, db)
            var since = Int64.max
            try forEachRow(
                db, select: "min(first_seen)", from: "user_identifiers INDEXED BY user_identifiers_by_user", key: "user_id",
                workspace: workspace, in: members
            ) {
                row in if let value: Int64 = row[0] { since = min(since, value) }
            }
            try forEachRow(
                db, select: "min(first_at)", from: "declared_sources", key: "user_id", workspace: workspace, in: members
            ) {
                row in if let value: Int64 = row[0] { since = min(since, value) }
            }
            if let profile = try loadProfile(workspace, canonical, db), profile.traits.eventCount > 0 {
                since = min(since, profile.traits.firstSeen)
            }
            if best == nil || (since, canonical) < (best!.since, best!.user) { best = (since, canonical) }
        }
        return best!.user
    }

    static func userMerge(_ row: Row) -> UserMerge {
        UserMerge(
            id: row["id"], canonical: UserID(unchecked: row["canonical"]), merged: UserID(unchecked: row["merged"]),
            reason: row["reason"], actor: row["actor"], at: Timestamp(millisecondsSinceEpoch: row["at"]),
            undoneAt: (row["undone_at"] as Int64?).map(Timestamp.init(millisecondsSinceEpoch:)),
            undoneBy: row["undone_by"])
    }
}
