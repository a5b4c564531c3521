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
/// Not yet as on SQLite: merged ids are not mapped to their person (merges are not stored on
/// PostgreSQL yet), and ending or starting personalization leaves profiles and segments alone
/// (neither is stored on PostgreSQL yet).
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

    package func recordConsent(
        _ updates: [(user: UserID, update: ConsentUpdate)], in workspace: WorkspaceID, at time: Timestamp
    ) async throws -> [ConsentRecord] {
        try Self.validate(updates)
        let users = updates.map(\.user.rawValue)
        let changes = updates.map(\.update)
        let at = time.millisecondsSinceEpoch
        // Not replayed after a lost COMMIT: the replay would add the changes to the history twice.
        let written = try await transaction("record consent", idempotent: false) {
            [self] connection, logger -> (Int64, Int64, [ConsentRecord], [String: ConsentChoices]) in
            let key = try await requireWorkspace(workspace, connection, logger)
            guard !users.isEmpty else { return (key, Int64(0), [ConsentRecord](), [String: ConsentChoices]()) }
            // First: the generation row's lock orders the workspace's consent writers, so each
            // reads the decisions the one before it committed.
            let generation = try await bumpConsentGeneration(key, clearing: false, connection, logger)
            var current: [String: ConsentChoices] = [:]
            let rows = try await connection.query(
                "SELECT user_id, choices FROM consents WHERE workspace = \(key) AND user_id = ANY(\(Array(Set(users))))",
                logger: logger)
            for try await (user, choices) in rows.decode((String, String).self) { current[user] = ConsentChoices(encoded: choices) }
            var written: [String: ConsentChoices] = [:]
            var records: [ConsentRecord] = []
            records.reserveCapacity(users.count)
            // In order: a person named twice gets the second change over the first.
            for (user, change) in zip(users, changes) {
                let after = (current[user] ?? ConsentChoices()).applying(change.choices)
                current[user] = after
                written[user] = after
                records.append(ConsentRecord(choices: after, updatedAt: time))
            }
            try await connection.query(
                """
                INSERT INTO consents (workspace, user_id, choices, updated_at, generation)
                SELECT \(key), u, c, \(at), \(generation)
                FROM unnest(\(Array(written.keys))::text[], \(written.values.map(\.encoded))::text[]) AS t(u, c)
                ON CONFLICT (workspace, user_id) DO UPDATE SET
                    choices = excluded.choices, updated_at = excluded.updated_at, generation = excluded.generation
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO consent_history (workspace, user_id, choices, source, at)
                SELECT \(key), u, c, s, \(at)
                FROM unnest(\(users)::text[], \(changes.map(\.choices.encoded))::text[], \(changes.map(\.source))::text[])
                    WITH ORDINALITY AS t(u, c, s, ord)
                ORDER BY ord
                """, logger: logger)
            return (key, generation, records, written)
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

    package func consent(of user: UserID, in workspace: WorkspaceID) async throws -> ConsentRecord? {
        try await transaction("read consent") { [self] connection, logger -> ConsentRecord? in
            // One snapshot for the record and its history.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
            guard let key = try await workspaceKey(workspace, connection, logger) else { return nil }
            var record: ConsentRecord?
            let rows = try await connection.query(
                "SELECT choices, updated_at FROM consents WHERE workspace = \(key) AND user_id = \(user.rawValue)",
                logger: logger)
            for try await (choices, updated) in rows.decode((String, Int64).self) {
                record = ConsentRecord(choices: ConsentChoices(encoded: choices), updatedAt: Timestamp(millisecondsSinceEpoch: updated))
            }
            guard var record else { return nil }
            let history = try await connection.query(
                """
                SELECT choices, source, at FROM consent_history
                WHERE workspace = \(key) AND user_id = \(user.rawValue) ORDER BY seq
                """, logger: logger)
            for try await (choices, source, at) in history.decode((String, String, Int64).self) {
                record.history.append(ConsentChange(
                    choices: ConsentChoices(encoded: choices), source: source, at: Timestamp(millisecondsSinceEpoch: at)))
            }
            return record
        }
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
