import AttuneCore
import Foundation
import GRDB

extension SQLiteStore: PersonalDataStore {
    package func exposures(ofUnits units: [String], in workspace: WorkspaceID) async throws -> [Exposure] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            var out: [Exposure] = []
            try Self.forEachRow(
                db, select: "experiment, unit_id, variant, exposed_at", from: "exposures", key: "unit_id", workspace: key,
                in: units
            ) { row in
                out.append(Exposure(
                    experiment: ExperimentKey(unchecked: row[0]), unit: row[1], variant: row[2],
                    time: Timestamp(millisecondsSinceEpoch: row[3])))
            }
            return out.sorted { ($0.experiment.rawValue, $0.unit) < ($1.experiment.rawValue, $1.unit) }
        }
    }

    package func erasePerson(
        _ user: UserID, digest: @escaping @Sendable (UserID) -> [UInt8], in workspace: WorkspaceID, at time: Timestamp
    ) async throws -> ErasedPerson? {
        try await resettingConsentCacheOnFailure {
            try await writer.write { db in
                guard let key = try self.workspaceKey(workspace, db) else { return nil }
                // Resolved inside the transaction: a merge committed between a separate lookup and the
                // deletes would otherwise leave its new member behind.
                let canonical = try Self.canonical(key, user.rawValue, db)
                let members = try Self.members(key, canonical, db)
                var erased: ErasureCounts?
                // The merged ids first, the canonical user's rows last.
                for member in members.reversed() {
                    guard
                        let counts = try self.eraseRows(
                            of: member, digest: digest(UserID(unchecked: member)), key, at: time, db)
                    else { continue }
                    erased = (erased ?? ErasureCounts()).adding(counts)
                }
                guard let erased else { return nil }
                return ErasedPerson(members: members.map(UserID.init(unchecked:)), counts: erased)
            }
        }
    }

    /// A failed erasure rolls its rows back, but the consent cache was already told they were gone.
    private func resettingConsentCacheOnFailure<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch {
            consentCache.withLock { $0.removeAll() }
            throw error
        }
    }

    /// Deletes everything held about one user id inside the caller's transaction.
    private func eraseRows(of id: String, digest: [UInt8], _ key: Int64, at time: Timestamp, _ db: Database) throws
        -> ErasureCounts?
    {
        let anonymous = try String.fetchAll(
            db, sql: "SELECT anonymous_id FROM identities WHERE workspace = ? AND user_id = ?", arguments: [key, id])
        var counts = ErasureCounts()
        // The workspace's event counter counts appended events only, not segment events.
        let counted = try Self.countAppended(db, key, user: id, anonymous: anonymous)
        counts.events = try Self.delete(db, "events", "user_id = ?", key, [id])
        // Events re-keyed to another user by a merge still came from this one.
        counts.events += try Self.delete(db, "events", "original_user_id = ?", key, [id])
        counts.events += try Self.delete(db, "events", "anonymous_id", key, in: anonymous)
        counts.profiles = try Self.delete(db, "profiles", "user_id = ?", key, [id])
        counts.profileVersions = try Self.delete(db, "profile_history", "user_id = ?", key, [id])
        counts.declaredTraits = try Self.delete(db, "user_traits", "user_id = ?", key, [id])
        // The same declarations kept per source: counted once, as the user's traits above.
        let perSource = try Self.delete(db, "declared_sources", "user_id = ?", key, [id])
        if counts.declaredTraits == 0, perSource > 0 { counts.declaredTraits = 1 }
        counts.identityRecords = try Self.delete(
            db, "user_identifiers INDEXED BY user_identifiers_by_user", "user_id = ?", key, [id])
        counts.identityRecords += try Self.delete(db, "user_aliases", "alias = ?", key, [id])
        counts.identityRecords += try Self.delete(db, "user_aliases", "canonical = ?", key, [id])
        // The other side of a merge (undone or not) names this id in its own merge version.
        let partners = try String.fetchAll(
            db,
            sql: """
                SELECT canonical FROM user_merges WHERE workspace = ? AND merged = ?
                UNION SELECT merged FROM user_merges WHERE workspace = ? AND canonical = ?
                """,
            arguments: [key, id, key, id])
        try Self.scrubHistory(of: partners, naming: id, key, db)
        counts.identityRecords += try Self.delete(db, "user_merges", "canonical = ?", key, [id])
        counts.identityRecords += try Self.delete(db, "user_merges", "merged = ?", key, [id])
        counts.identityRecords += try Self.delete(db, "merge_blocks", "a = ?", key, [id])
        counts.identityRecords += try Self.delete(db, "merge_blocks", "b = ?", key, [id])
        counts.declaredTraits += try Self.delete(db, "imputed_attributes", "user_id = ?", key, [id])
        // Every link of the person's anonymous ids goes: a link kept for another user would
        // still hold the person's identifier.
        counts.identityLinks = try Self.delete(db, "identities", "user_id = ?", key, [id])
        counts.identityLinks += try Self.delete(db, "identities", "anonymous_id", key, in: anonymous)
        // Deleted directly, not through re-evaluation: a `segment_left` event would name the
        // user again in the log.
        counts.segmentMemberships = try Self.delete(db, "segment_memberships", "user_id = ?", key, [id])
        counts.exposures = try Self.delete(db, "exposures", "unit_id", key, in: [id] + anonymous)
        // Undeliverable segment changes name the user too.
        _ = try Self.delete(db, "webhook_dead_letters", "user_id = ?", key, [id])
        counts.activitySummaries = try Self.delete(db, "actors", "anonymous = 0 AND actor_id = ?", key, [id])
        counts.activitySummaries += try Self.delete(db, "actors", "anonymous = 1 AND actor_id", key, in: anonymous)
        _ = try Self.delete(db, "text_mentions", "user_id = ?", key, [id])
        counts.texts = try Self.delete(db, "texts", "user_id = ?", key, [id])
        counts.consentRecords = try Self.delete(db, "consents", "user_id", key, in: [id] + anonymous)
        counts.consentRecords += try Self.delete(db, "consent_history", "user_id", key, in: [id] + anonymous)
        if counts.consentRecords > 0 {
            let generation = try self.bumpConsentGeneration(key, db)
            self.consentCache.withLock { entries in
                for subject in [id] + anonymous { entries[key]?.choices[subject] = nil }
                entries[key]?.generation = generation
            }
        }
        guard !counts.isEmpty else { return nil }
        if counted > 0 {
            try db.execute(
                sql: "UPDATE workspace_counters SET events = max(0, events - ?) WHERE workspace = ?",
                arguments: [counted, key])
        }
        try db.execute(
            sql: """
                INSERT INTO erased_users (workspace, digest, erased_at) VALUES (?, ?, ?)
                ON CONFLICT (workspace, digest) DO UPDATE SET erased_at = excluded.erased_at
                """,
            arguments: [key, Data(digest), time.millisecondsSinceEpoch])
        return counts
    }

    package func erasedUserDigests(in workspace: WorkspaceID) async throws -> Set<[UInt8]> {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            let rows = try Data.fetchAll(db, sql: "SELECT digest FROM erased_users WHERE workspace = ?", arguments: [key])
            return Set(rows.map { Array($0) })
        }
    }

    package func purgeEvents(olderThan time: Timestamp, batchSize: Int) async throws -> Int {
        let limit = max(1, batchSize)
        var total = 0
        var cursor: Int64 = 0
        // One pass in log order, a batch per transaction: ingestion waits for one batch at most.
        while true {
            let after = cursor
            let (deleted, last) = try await writer.write { db -> (Int, Int64?) in
                let rows = try Row.fetchAll(
                    db, sql: "SELECT seq, workspace, type FROM events WHERE seq > ? AND ts < ? ORDER BY seq LIMIT ?",
                    arguments: [after, time.millisecondsSinceEpoch, limit])
                guard let last = rows.last else { return (0, nil) }
                var perWorkspace: [Int64: Int] = [:]
                // The counter counts appended events only, not segment events.
                for row in rows where !SegmentEvents.isSegmentEvent(row[2]) { perWorkspace[row[1], default: 0] += 1 }
                let marks = Array(repeating: "?", count: rows.count).joined(separator: ",")
                try db.execute(
                    sql: "DELETE FROM events WHERE seq IN (\(marks))",
                    arguments: StatementArguments(rows.map { $0[0] as Int64 }))
                for (workspace, count) in perWorkspace {
                    try db.execute(
                        sql: "UPDATE workspace_counters SET events = max(0, events - ?) WHERE workspace = ?",
                        arguments: [count, workspace])
                }
                return (rows.count, last[0])
            }
            total += deleted
            guard let last, deleted == limit else { break }
            cursor = last
        }
        return total
    }

    /// How many of the person's events were appended (segment events are not counted anywhere).
    private static func countAppended(_ db: Database, _ workspace: Int64, user: String, anonymous: [String]) throws -> Int {
        let segmentTypes = [SegmentEvents.entered.rawValue, SegmentEvents.left.rawValue]
        var total = try Int.fetchOne(
            db,
            // Events a merge re-keyed to another user came from this one too.
            sql: "SELECT count(*) FROM events WHERE workspace = ?1 AND (user_id = ?2 OR original_user_id = ?2) AND type NOT IN (?3, ?4)",
            arguments: [workspace, user, segmentTypes[0], segmentTypes[1]]) ?? 0
        for start in stride(from: 0, to: anonymous.count, by: 500) {
            let chunk = anonymous[start..<min(start + 500, anonymous.count)]
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            var arguments: [any DatabaseValueConvertible] = [workspace, user, segmentTypes[0], segmentTypes[1]]
            for id in chunk { arguments.append(id) }
            // Events of the visitor that also name the user were counted above.
            total += try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM events WHERE workspace = ? AND (user_id IS NULL OR user_id != ?)
                    AND type NOT IN (?, ?) AND anonymous_id IN (\(marks))
                    """,
                arguments: StatementArguments(arguments)) ?? 0
        }
        return total
    }

    /// `DELETE FROM table WHERE workspace = ? AND condition`; returns the number of rows.
    private static func delete(
        _ db: Database, _ table: String, _ condition: String, _ workspace: Int64, _ arguments: [String]
    ) throws -> Int {
        var all: [any DatabaseValueConvertible] = [workspace]
        for argument in arguments { all.append(argument) }
        try db.execute(sql: "DELETE FROM \(table) WHERE workspace = ? AND \(condition)", arguments: StatementArguments(all))
        return db.changesCount
    }

    /// Replaces `id` in the version details of `users` (a merge version lists the ids it took in)
    /// with a mark that names no one, keeping the rest of their history.
    private static func scrubHistory(of users: [String], naming id: String, _ workspace: Int64, _ db: Database) throws {
        guard !users.isEmpty else { return }
        var encoded = ""
        ProfileChanges.appendString(id, to: &encoded)
        for user in users where user != id {
            try db.execute(
                sql: """
                    UPDATE profile_history SET detail = replace(detail, ?, '"(erased)"')
                    WHERE workspace = ? AND user_id = ? AND instr(detail, ?) > 0
                    """,
                arguments: [encoded, workspace, user, encoded])
        }
    }

    /// `DELETE … WHERE workspace = ? AND column IN (values)`, in chunks under the parameter limit.
    private static func delete(
        _ db: Database, _ table: String, _ column: String, _ workspace: Int64, in values: [String]
    ) throws -> Int {
        var total = 0
        for start in stride(from: 0, to: values.count, by: 500) {
            let chunk = values[start..<min(start + 500, values.count)]
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            total += try delete(db, table, "\(column) IN (\(marks))", workspace, Array(chunk))
        }
        return total
    }
}
