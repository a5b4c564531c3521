import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

/// Consent on PostgreSQL, answering as the SQLite store does.
///
/// The synchronous checks (``consentDefault()``, ``consentPermits(_:for:in:)``) answer from
/// ``PostgresConsentCache``, which ``migrate()`` loads and ``run()`` keeps fresh: a write of this
/// process at once, another process's on its notification (within milliseconds) or, when the
/// listening connection is down, at the next comparison of generations (within
/// ``Options/consentRefreshInterval``). Appends do not depend on it: they read the decisions in
/// their own statement.
///
/// As on SQLite, a merged id's decision is also the person's, and ending or starting
/// personalization removes or refolds the person's profile and segment memberships in the
/// same transaction.
extension PostgresStore: ConsentStore {
    /// The notification channel of consent writes; the payload names what changed (a workspace
    /// key, or `policy`), though a listener simply compares everything.
    static let consentChannel = "attune_consent"

    package func consentDefault() throws -> ConsentDefault {
        try consentCache.policy()
    }

    package func setConsentDefault(_ policy: ConsentDefault) async throws -> Bool {
        // Not replayed after a lost COMMIT: the replay would find the policy set and answer
        // "unchanged" for the change it made itself.
        let generation = try await transaction("set consent policy", idempotent: false) { connection, logger -> Int64? in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(AdvisoryLock.namespace), \(AdvisoryLock.consentPolicy))", logger: logger)
            var current = (ConsentDefault.optOut, Int64(0))
            let rows = try await connection.query("SELECT policy, generation FROM consent_policy WHERE id = 1", logger: logger)
            for try await (stored, generation) in rows.decode((String, Int64).self) {
                current = (ConsentDefault(rawValue: stored) ?? .optOut, generation)
            }
            guard current.0 != policy else { return nil }
            let next = current.1 + 1
            try await connection.query(
                """
                INSERT INTO consent_policy (id, policy, generation) VALUES (1, \(policy.rawValue), \(next))
                ON CONFLICT (id) DO UPDATE SET policy = excluded.policy, generation = excluded.generation
                """, logger: logger)
            try await connection.query("SELECT pg_notify(\(Self.consentChannel), 'policy')", logger: logger)
            return next
        }
        guard let generation else { return false }
        consentCache.applyPolicy(policy, generation: generation)
        return true
    }

    /// Under the workspace's write lock, taken first as appends, identify calls and merges take
    /// it (then the consent generation's row lock, as merges do): an append through another
    /// process either committed before, and its profile is removed here, or reads this
    /// withdrawal, and folds nothing for the person.
    package func recordConsent(
        _ updates: [(user: UserID, update: ConsentUpdate)], in workspace: WorkspaceID, at time: Timestamp
    ) async throws -> [ConsentRecord] {
        try Self.validate(updates)
        let named = updates.map { (user: $0.user.rawValue, update: $0.update) }
        let at = time.millisecondsSinceEpoch
        // Not replayed after a lost COMMIT: the replay would add the changes to the history twice.
        let written = try await transaction("record consent", idempotent: false) {
            [self] connection, logger -> (Int64, Int64, [ConsentRecord], [String: ConsentChoices]) in
            let key = try await requireWorkspace(workspace, connection, logger)
            guard !named.isEmpty else { return (key, Int64(0), [ConsentRecord](), [String: ConsentChoices]()) }
            try await Self.lockWorkspace(key, connection, logger)
            // Then the generation row's lock, which orders the workspace's consent writers, so
            // each reads the decisions the one before it committed.
            let generation = try await bumpConsentGeneration(key, clearing: false, connection, logger)
            let users = Array(Set(named.map(\.user)))
            let canonicals = try await Self.canonicals(key, users, connection, logger)
            let view = try await PostgresConsentView.read(
                Array(Set(users).union(canonicals.values)), workspace: key, connection, logger)
            let plan = PostgresConsentPlan(named, canonicals: canonicals, view: view, at: time)
            try await connection.query(
                """
                INSERT INTO consents (workspace, user_id, choices, updated_at, generation)
                SELECT \(key), u, c, \(at), \(generation)
                FROM unnest(\(Array(plan.written.keys))::text[], \(plan.written.values.map(\.encoded))::text[])
                    AS t(u, c)
                ON CONFLICT (workspace, user_id) DO UPDATE SET
                    choices = excluded.choices, updated_at = excluded.updated_at, generation = excluded.generation
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO consent_history (workspace, user_id, choices, source, at)
                SELECT \(key), u, c, s, \(at)
                FROM unnest(
                    \(plan.history.users)::text[], \(plan.history.choices)::text[], \(plan.history.sources)::text[]
                ) WITH ORDINALITY AS t(u, c, s, ord)
                ORDER BY ord
                """, logger: logger)
            for turn in plan.turns {
                try await applyPersonalization(turn, workspace: key, at: at, connection, logger)
            }
            return (key, generation, plan.records, plan.written)
        }
        let (key, generation, records, choices) = written
        if generation > 0, !consentCache.applyWrite(key, named: workspace, generation: generation, choices: choices) {
            // Another process wrote in between: read what memory misses, so that this process's
            // next check sees its own write. The write is stored whatever happens here.
            do {
                try await syncConsent()
            } catch {
                logger.info("consent refresh after a write failed", metadata: ["postgres.reason": "\(error)"])
            }
        }
        return records
    }

    /// What SQLite does when a change starts or ends personalization: an ended one removes the
    /// profile (its history stays) and the segment memberships, leaving rule segments through
    /// evaluation so that campaigns hear of it; a started one folds the stored events into a
    /// profile again (cause `consent`) and evaluates the rule segments.
    private func applyPersonalization(
        _ turn: PostgresConsentPlan.Turn, workspace key: Int64, at time: Int64, _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        if !turn.permitted {
            try await connection.query(
                "DELETE FROM profiles WHERE workspace = \(key) AND user_id = \(turn.user)", logger: logger)
            try await reevaluateSegments([turn.user], workspace: key, now: time, connection, logger, consent: turn.view)
            try await connection.query(
                "DELETE FROM segment_memberships WHERE workspace = \(key) AND user_id = \(turn.user)", logger: logger)
        } else if maintainsProfiles {
            try await Self.refoldProfile(key, turn.user, linking: nil, cause: .consent, at: time, connection, logger)
            try await reevaluateSegments([turn.user], workspace: key, now: time, connection, logger, consent: turn.view)
        }
    }

    package func consent(of user: UserID, in workspace: WorkspaceID) async throws -> ConsentRecord? {
        try await transaction("read consent") { [self] connection, logger -> ConsentRecord? in
            // One snapshot for the record and its history.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
            guard let key = try await workspaceKey(workspace, connection, logger) else { return nil }
            // A merged id answers with the person's consent, the one that is applied.
            let id = user.rawValue
            var record: ConsentRecord?
            let rows = try await connection.query(
                """
                SELECT choices, updated_at FROM consents WHERE workspace = \(key) AND user_id = coalesce(
                    (SELECT canonical FROM user_aliases WHERE workspace = \(key) AND alias = \(id)), \(id))
                """,
                logger: logger)
            for try await (choices, updated) in rows.decode((String, Int64).self) {
                record = ConsentRecord(choices: ConsentChoices(encoded: choices), updatedAt: Timestamp(millisecondsSinceEpoch: updated))
            }
            guard var record else { return nil }
            let history = try await connection.query(
                """
                SELECT choices, source, at FROM consent_history
                WHERE workspace = \(key) AND user_id = coalesce(
                    (SELECT canonical FROM user_aliases WHERE workspace = \(key) AND alias = \(id)), \(id))
                ORDER BY seq
                """, logger: logger)
            for try await (choices, source, at) in history.decode((String, String, Int64).self) {
                record.history.append(ConsentChange(
                    choices: ConsentChoices(encoded: choices), source: source, at: Timestamp(millisecondsSinceEpoch: at)))
            }
            return record
        }
    }

    /// The person each of `users` that is a merged id belongs to.
    static func canonicals(_ workspace: Int64, _ users: [String], _ connection: PostgresConnection, _ logger: Logger)
        async throws -> [String: String]
    {
        let rows = try await connection.query(
            """
            SELECT alias, canonical FROM user_aliases WHERE workspace = \(workspace) AND alias = ANY(\(users)::text[])
            """, logger: logger)
        var out: [String: String] = [:]
        for try await (alias, canonical) in rows.decode((String, String).self) { out[alias] = canonical }
        return out
    }

    package func consentPermits(_ purpose: ConsentPurpose, for subject: String, in workspace: WorkspaceID) throws -> Bool {
        try consentCache.permits(purpose, for: subject, in: workspace)
    }

    /// Compared with the database first: batch work must not train on a withdrawal it missed.
    package func consentSnapshot(in workspace: WorkspaceID) async throws -> ConsentSnapshot {
        try await syncConsent()
        return consentCache.snapshot(of: workspace)
    }

    /// Bumps the workspace's consent generation and notifies the other processes (at commit);
    /// call it in every transaction that changes its decisions, before reading them (its row lock
    /// orders the writers), and stamp the rows written with the result. `clearing` when rows are
    /// deleted (erasure): other processes then read the workspace's decisions again in full.
    /// - Returns: the new generation.
    func bumpConsentGeneration(
        _ workspace: Int64, clearing: Bool, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> Int64 {
        let rows = try await connection.query(
            """
            WITH bumped AS (
                INSERT INTO consent_generations (workspace, generation, cleared)
                VALUES (\(workspace), 1, \(clearing ? 1 : 0))
                ON CONFLICT (workspace) DO UPDATE SET
                    generation = consent_generations.generation + 1,
                    cleared = CASE WHEN \(clearing) THEN consent_generations.generation + 1
                                   ELSE consent_generations.cleared END
                RETURNING generation)
            SELECT generation, pg_notify(\(Self.consentChannel), \(String(workspace)))::text FROM bumped
            """, logger: logger)
        var generation: Int64 = 1
        for try await (value, _) in rows.decode((Int64, String).self) { generation = value }
        return generation
    }

    /// PostgreSQL text cannot hold NUL, which SQLite stores: refused before anything is written.
    static func validate(_ updates: [(user: UserID, update: ConsentUpdate)]) throws(AttuneError) {
        for (index, entry) in updates.enumerated() {
            if entry.user.rawValue.utf8.contains(0) { throw .invalid("updates[\(index)].userId", "must not contain a NUL character") }
            if entry.update.source.utf8.contains(0) { throw .invalid("updates[\(index)].source", "must not contain a NUL character") }
        }
    }
}
