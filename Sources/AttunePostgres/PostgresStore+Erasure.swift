import AttuneCore
import AttuneStore
import Logging
import NIOCore
import PostgresNIO

/// Erasing a person, as SQLite's `erasePerson` does, with other processes writing meanwhile.
extension PostgresStore {
    /// One transaction that first takes the locks every other writer of the person's rows takes,
    /// then resolves the person (its canonical user and every id merged into it) and deletes:
    ///
    /// - the workspace's write lock, held by appends, identify, merges, unmerges and profile and
    ///   segment writes of every process: those that committed before are erased with the rest,
    ///   those that come after wait for the commit and start a new person (nothing of the erased
    ///   one is left to fold into);
    /// - the workspace's imputations lock: a run replacing estimates cannot write one back for
    ///   a profile this deletes;
    /// - the consent generation row, which `recordConsent` and merges lock first: a decision
    ///   recorded meanwhile is either erased or recorded after, never half of each;
    /// - the text lock of each member, which `appendText` holds.
    ///
    /// Consent rows that go bump the generation as a clearing (``bumpConsentGeneration``): every
    /// process reads the workspace's decisions again in full at the notification, so that none
    /// keeps answering from the person's erased choices. Experiment exposures and dead letters
    /// have no lock of their own: one recorded for the person while the erasure runs can outlive
    /// it, as one recorded just after it would.
    package func erasePerson(
        _ user: UserID, digest: @escaping @Sendable (UserID) -> [UInt8], in workspace: WorkspaceID, at time: Timestamp
    ) async throws -> ErasedPerson? {
        // PostgreSQL text cannot hold NUL, so nothing is stored under such an id.
        guard !user.rawValue.utf8.contains(0) else { return nil }
        let at = time.millisecondsSinceEpoch
        // Not replayed after a lost COMMIT: the replay would find nothing and report that nothing
        // was held about a person it erased.
        let outcome = try await transaction("erase person", idempotent: false) {
            [self] connection, logger -> Erasure? in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return nil }
            try await Self.lockWorkspace(key, connection, logger)
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(AdvisoryLock.imputationsNamespace), \(Int32(truncatingIfNeeded: key)))",
                logger: logger)
            try await Self.lockConsentGeneration(key, connection, logger)
            // Resolved under the locks: a merge committed between a separate lookup and the
            // deletes would otherwise leave its new member behind.
            let canonical = try await Self.canonical(key, user.rawValue, connection, logger)
            let members = try await Self.members(key, canonical, connection, logger)
            try await connection.query(
                """
                SELECT pg_advisory_xact_lock(\(AdvisoryLock.textsNamespace), h)
                FROM (SELECT DISTINCT hashtext(m) AS h FROM unnest(\(members)::text[]) AS m ORDER BY 1) AS sorted
                """, logger: logger)
            var erased: ErasureCounts?
            var forgotten: [String] = []
            // The merged ids first, the canonical user's rows last, as on SQLite.
            for member in members.reversed() {
                let rows = try await Self.eraseRows(
                    of: member, digest: digest(UserID(unchecked: member)), key, at: at, connection, logger)
                guard let rows else { continue }
                erased = (erased ?? ErasureCounts()).adding(rows.counts)
                forgotten += rows.consentSubjects
            }
            guard let erased else { return nil }
            var generation: Int64?
            if !forgotten.isEmpty {
                generation = try await bumpConsentGeneration(key, clearing: true, connection, logger)
            }
            return Erasure(
                key: key, person: ErasedPerson(members: members.map(UserID.init(unchecked:)), counts: erased),
                generation: generation, forgotten: forgotten)
        }
        guard let outcome else { return nil }
        if let generation = outcome.generation,
           !consentCache.applyErasure(outcome.key, generation: generation, forgetting: outcome.forgotten)
        {
            // Another process wrote in between: read again, so that this process's next check
            // forgets the person. The erasure is committed whatever happens here, and the
            // periodic comparison catches up.
            do {
                try await syncConsent()
            } catch {
                logger.info("consent refresh after an erasure failed", metadata: ["postgres.reason": "\(error)"])
            }
        }
        return outcome.person
    }

    private struct Erasure: Sendable {
        var key: Int64
        var person: ErasedPerson
        var generation: Int64?
        var forgotten: [String]
    }

    /// Locks the workspace's consent generation row until commit without changing it (creating
    /// it at generation 0, "nothing written", when the workspace has none yet).
    static func lockConsentGeneration(_ workspace: Int64, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        try await connection.query(
            """
            INSERT INTO consent_generations (workspace, generation) VALUES (\(workspace), 0)
            ON CONFLICT (workspace) DO UPDATE SET generation = consent_generations.generation
            """, logger: logger)
    }

    /// Deletes everything held about one user id inside the caller's transaction, table by table
    /// as SQLite's `eraseRows`, so that the counts are the same.
    /// - Returns: `nil` when nothing was held; else the counts and the consent subjects whose
    ///   decisions went (the user and its anonymous ids).
    private static func eraseRows(
        of id: String, digest: [UInt8], _ key: Int64, at time: Int64, _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> (counts: ErasureCounts, consentSubjects: [String])? {
        func deleted(_ query: PostgresQuery) async throws -> Int {
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL: "WITH d AS (\(query.sql) RETURNING 1) SELECT count(*) FROM d", binds: query.binds),
                logger: logger)
            var count = 0
            for try await value in rows.decode(Int64.self) { count = Int(value) }
            return count
        }
        var anonymous: [String] = []
        let linked = try await connection.query(
            "SELECT anonymous_id FROM identities WHERE workspace = \(key) AND user_id = \(id)", logger: logger)
        for try await anonymousID in linked.decode(String.self) { anonymous.append(anonymousID) }
        let units = [id] + anonymous
        var counts = ErasureCounts()
        // The workspace's event counter counts appended events only, not segment events.
        let counted = try await countAppended(key, user: id, anonymous: anonymous, connection, logger)
        counts.events = try await deleted("DELETE FROM events WHERE workspace = \(key) AND user_id = \(id)")
        // Events re-keyed to another user by a merge still came from this one.
        counts.events += try await deleted("DELETE FROM events WHERE workspace = \(key) AND original_user_id = \(id)")
        counts.events += try await deleted(
            "DELETE FROM events WHERE workspace = \(key) AND anonymous_id = ANY(\(anonymous)::text[])")
        // Before the estimates: a run that share-locked the profile to write one finishes first.
        counts.profiles = try await deleted("DELETE FROM profiles WHERE workspace = \(key) AND user_id = \(id)")
        counts.profileVersions = try await deleted(
            "DELETE FROM profile_history WHERE workspace = \(key) AND user_id = \(id)")
        counts.declaredTraits = try await deleted(
            "DELETE FROM user_traits WHERE workspace = \(key) AND user_id = \(id)")
        // The same declarations kept per source: counted once, as the user's traits above.
        let perSource = try await deleted("DELETE FROM declared_sources WHERE workspace = \(key) AND user_id = \(id)")
        if counts.declaredTraits == 0, perSource > 0 { counts.declaredTraits = 1 }
        counts.identityRecords = try await deleted(
            "DELETE FROM user_identifiers WHERE workspace = \(key) AND user_id = \(id)")
        counts.identityRecords += try await deleted(
            "DELETE FROM user_aliases WHERE workspace = \(key) AND alias = \(id)")
        counts.identityRecords += try await deleted(
            "DELETE FROM user_aliases WHERE workspace = \(key) AND canonical = \(id)")
        // The other side of a merge (undone or not) names this id in its own merge version.
        var partners: [String] = []
        let partnerRows = try await connection.query(
            """
            SELECT canonical FROM user_merges WHERE workspace = \(key) AND merged = \(id)
            UNION SELECT merged FROM user_merges WHERE workspace = \(key) AND canonical = \(id)
            """, logger: logger)
        for try await partner in partnerRows.decode(String.self) where partner != id { partners.append(partner) }
        try await scrubHistory(of: partners, naming: id, key, connection, logger)
        counts.identityRecords += try await deleted(
            "DELETE FROM user_merges WHERE workspace = \(key) AND canonical = \(id)")
        counts.identityRecords += try await deleted(
            "DELETE FROM user_merges WHERE workspace = \(key) AND merged = \(id)")
        counts.identityRecords += try await deleted("DELETE FROM merge_blocks WHERE workspace = \(key) AND a = \(id)")
        counts.identityRecords += try await deleted("DELETE FROM merge_blocks WHERE workspace = \(key) AND b = \(id)")
        counts.declaredTraits += try await deleted(
            "DELETE FROM imputed_attributes WHERE workspace = \(key) AND user_id = \(id)")
        // Every link of the person's anonymous ids goes: a link kept for another user would
        // still hold the person's identifier.
        counts.identityLinks = try await deleted("DELETE FROM identities WHERE workspace = \(key) AND user_id = \(id)")
        counts.identityLinks += try await deleted(
            "DELETE FROM identities WHERE workspace = \(key) AND anonymous_id = ANY(\(anonymous)::text[])")
        // Deleted directly, not through re-evaluation: a `segment_left` event would name the
        // user again in the log.
        counts.segmentMemberships = try await deleted(
            "DELETE FROM segment_memberships WHERE workspace = \(key) AND user_id = \(id)")
        counts.exposures = try await deleted(
            "DELETE FROM exposures WHERE workspace = \(key) AND unit_id = ANY(\(units)::text[])")
        // Undeliverable segment changes name the user too.
        _ = try await deleted("DELETE FROM webhook_dead_letters WHERE workspace = \(key) AND user_id = \(id)")
        counts.activitySummaries = try await deleted(
            "DELETE FROM actors WHERE workspace = \(key) AND NOT anonymous AND actor_id = \(id)")
        counts.activitySummaries += try await deleted(
            "DELETE FROM actors WHERE workspace = \(key) AND anonymous AND actor_id = ANY(\(anonymous)::text[])")
        _ = try await deleted("DELETE FROM text_mentions WHERE workspace = \(key) AND user_id = \(id)")
        counts.texts = try await deleted("DELETE FROM texts WHERE workspace = \(key) AND user_id = \(id)")
        counts.consentRecords = try await deleted(
            "DELETE FROM consents WHERE workspace = \(key) AND user_id = ANY(\(units)::text[])")
        counts.consentRecords += try await deleted(
            "DELETE FROM consent_history WHERE workspace = \(key) AND user_id = ANY(\(units)::text[])")
        guard !counts.isEmpty else { return nil }
        if counted > 0 {
            try await connection.query(
                """
                UPDATE workspace_counters SET events = greatest(0, events - \(Int64(counted)))
                WHERE workspace = \(key)
                """, logger: logger)
        }
        try await connection.query(
            """
            INSERT INTO erased_users (workspace, digest, erased_at)
            VALUES (\(key), \(ByteBuffer(bytes: digest)), \(time))
            ON CONFLICT (workspace, digest) DO UPDATE SET erased_at = excluded.erased_at
            """, logger: logger)
        return (counts, counts.consentRecords > 0 ? units : [])
    }

    /// How many of the user's events were appended (segment events are not counted anywhere),
    /// counted as SQLite counts them.
    private static func countAppended(
        _ key: Int64, user: String, anonymous: [String], _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> Int {
        let entered = SegmentEvents.entered.rawValue
        let left = SegmentEvents.left.rawValue
        let rows = try await connection.query(
            """
            SELECT
                (SELECT count(*) FROM events
                 WHERE workspace = \(key) AND (user_id = \(user) OR original_user_id = \(user))
                   AND type NOT IN (\(entered), \(left)))
              + (SELECT count(*) FROM events
                 WHERE workspace = \(key) AND anonymous_id = ANY(\(anonymous)::text[])
                   AND (user_id IS NULL OR user_id <> \(user)) AND type NOT IN (\(entered), \(left)))
            """, logger: logger)
        var total = 0
        for try await count in rows.decode(Int64.self) { total = Int(count) }
        return total
    }

    /// Replaces `id` in the version details of `users` (a merge version lists the ids it took in)
    /// with a mark that names no one, keeping the rest of their history.
    private static func scrubHistory(
        of users: [String], naming id: String, _ key: Int64, _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        guard !users.isEmpty else { return }
        var encoded = ""
        ProfileChanges.appendString(id, to: &encoded)
        try await connection.query(
            """
            UPDATE profile_history SET detail = replace(detail, \(encoded), '"(erased)"')
            WHERE workspace = \(key) AND user_id = ANY(\(users)::text[]) AND strpos(detail, \(encoded)) > 0
            """, logger: logger)
    }
}
