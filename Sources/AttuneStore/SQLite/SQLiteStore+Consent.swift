import AttuneCore
import GRDB

/// A workspace's consent decisions as held in memory, with the generation they were read at.
struct ConsentCacheEntry: Sendable {
    var generation: Int64
    var policy: ConsentDefault
    var choices: [String: ConsentChoices]
    /// When the generation was last compared with the database (outside write transactions).
    var checked: ContinuousClock.Instant

    func permits(_ purpose: ConsentPurpose, for subject: String) -> Bool {
        guard let decided = choices[subject] else { return policy.allows }
        return decided.permits(purpose, under: policy)
    }
}

extension SQLiteStore: ConsentStore {
    /// How long a check outside a write trusts memory before asking the database whether another
    /// process changed decisions (writes in this process update memory at once).
    static let consentRecheckInterval: Duration = .seconds(1)

    package func consentDefault() throws -> ConsentDefault {
        try readNow { db in try Self.storedPolicy(db) }
    }

    package func setConsentDefault(_ policy: ConsentDefault) async throws -> Bool {
        try await writer.write { db in
            let before = try Self.storedPolicy(db)
            guard before != policy else { return false }
            try db.execute(
                sql: "INSERT INTO consent_policy (id, policy) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET policy = excluded.policy",
                arguments: [policy.rawValue])
            self.consentCache.withLock { entries in
                for key in entries.keys { entries[key]?.policy = policy }
            }
            return true
        }
    }

    package func recordConsent(
        _ updates: [(user: UserID, update: ConsentUpdate)], in workspace: WorkspaceID, at time: Timestamp
    ) async throws -> [ConsentRecord] {
        do {
            return try await writer.write { db in
                let key = try self.requireWorkspace(workspace, db)
                let aliased = try Self.hasAliases(key, db)
                return try updates.map { entry in
                    // A merged id's decision is the person's: it applies to the canonical user (whose
                    // consent events are checked against), and stays with the id for an unmerge.
                    let named = entry.user.rawValue
                    let person = aliased ? try Self.canonical(key, named, db) : named
                    guard person != named else {
                        return try self.recordConsent(entry.update, of: person, workspace: key, at: time, db)
                    }
                    _ = try self.recordConsent(entry.update, of: named, workspace: key, at: time, db)
                    // Through a merged id a refusal reaches the person, a grant does not undo the
                    // person's own refusal: the merge may be wrong, and then the grant is a stranger's.
                    var update = entry.update
                    let current = try self.consentEntry(key, db).choices[person] ?? ConsentChoices()
                    for purpose in ConsentPurpose.allCases where update.choices[purpose] == true && current[purpose] == false {
                        update.choices[purpose] = nil
                    }
                    return try self.recordConsent(update, of: person, workspace: key, at: time, db)
                }
            }
        } catch {
            // A write that failed after memory was updated must not leave memory ahead of the file.
            consentCache.withLock { $0.removeAll() }
            throw error
        }
    }

    func recordConsent(
        _ update: ConsentUpdate, of id: String, workspace key: Int64, at time: Timestamp, _ db: Database
    ) throws -> ConsentRecord {
        // Read in a scope of its own: holding the entry while memory is updated below would copy
        // every decision of the workspace on each write.
        let (before, policy) = try {
            let entry = try self.consentEntry(key, db)
            return (entry.choices[id] ?? ConsentChoices(), entry.policy)
        }()
        let after = before.applying(update.choices)
        let at = time.millisecondsSinceEpoch
        try db.execute(
            sql: """
                INSERT INTO consents (workspace, user_id, choices, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (workspace, user_id) DO UPDATE SET choices = excluded.choices, updated_at = excluded.updated_at
                """,
            arguments: [key, id, after.encoded, at])
        try db.execute(
            sql: "INSERT INTO consent_history (workspace, user_id, choices, source, at) VALUES (?, ?, ?, ?, ?)",
            arguments: [key, id, update.choices.encoded, update.source, at])
        let generation = try bumpConsentGeneration(key, db)
        // Inside the write: SQLite orders writers, so memory follows the same order.
        consentCache.withLock { entries in
            entries[key]?.choices[id] = after
            entries[key]?.generation = generation
        }
        let was = before.permits(.personalization, under: policy)
        let now = after.permits(.personalization, under: policy)
        if was, !now {
            try db.execute(sql: "DELETE FROM profiles WHERE workspace = ? AND user_id = ?", arguments: [key, id])
            // Rule segments are left through evaluation (the person now matches none), so that
            // campaigns hear of it; learned memberships simply go.
            try reevaluateSegments([id], workspace: key, now: at, db)
            try db.execute(sql: "DELETE FROM segment_memberships WHERE workspace = ? AND user_id = ?", arguments: [key, id])
        } else if !was, now, maintainsProfiles {
            try Self.refoldProfile(key, id, linking: nil, cause: .consent, at: at, db)
            try reevaluateSegments([id], workspace: key, now: at, db)
        }
        return ConsentRecord(choices: after, updatedAt: time)
    }

    package func consent(of user: UserID, in workspace: WorkspaceID) async throws -> ConsentRecord? {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return nil }
            // A merged id answers with the person's consent, the one that is applied.
            let user = UserID(unchecked: try Self.canonical(key, user.rawValue, db))
            guard let row = try Row.fetchOne(
                    db, sql: "SELECT choices, updated_at FROM consents WHERE workspace = ? AND user_id = ?",
                    arguments: [key, user.rawValue])
            else { return nil }
            let history = try Row.fetchAll(
                db, sql: "SELECT choices, source, at FROM consent_history WHERE workspace = ? AND user_id = ? ORDER BY seq",
                arguments: [key, user.rawValue]
            ).map { row in
                ConsentChange(
                    choices: ConsentChoices(encoded: row[0]), source: row[1], at: Timestamp(millisecondsSinceEpoch: row[2]))
            }
            return ConsentRecord(
                choices: ConsentChoices(encoded: row[0]), updatedAt: Timestamp(millisecondsSinceEpoch: row[1]),
                history: history)
        }
    }

    /// In a workspace that does not exist the policy answers, as in one without decisions: under
    /// opt-in nothing is allowed (PostgreSQL cannot tell the two apart from memory, and a
    /// workspace created a moment ago by another process must not allow everything).
    package func consentPermits(_ purpose: ConsentPurpose, for subject: String, in workspace: WorkspaceID) throws -> Bool {
        guard let entry = try currentConsent(workspace) else { return try consentDefault().allows }
        return entry.permits(purpose, for: subject)
    }

    package func consentSnapshot(in workspace: WorkspaceID) async throws -> ConsentSnapshot {
        let entry = try await writer.read { db -> ConsentCacheEntry? in
            guard let key = try self.workspaceKey(workspace, db) else { return nil }
            return try self.consentEntry(key, db)
        }
        guard let entry else { return ConsentSnapshot(policy: try consentDefault(), choices: [:]) }
        return ConsentSnapshot(policy: entry.policy, choices: entry.choices)
    }

    /// The workspace's decisions from memory, compared with the database at most once per
    /// ``consentRecheckInterval``; `nil` for an unknown workspace.
    func currentConsent(_ workspace: WorkspaceID) throws -> ConsentCacheEntry? {
        let now = ContinuousClock.now
        // The common case reads no database at all.
        if let key = workspaceKeys.withLock({ $0[workspace] }), let cached = consentCache.withLock({ $0[key] }),
            now - cached.checked < Self.consentRecheckInterval
        {
            return cached
        }
        return try readNow { db -> ConsentCacheEntry? in
            guard let key = try self.workspaceKey(workspace, db) else { return nil }
            if let cached = self.consentCache.withLock({ $0[key] }), now - cached.checked < Self.consentRecheckInterval {
                return cached
            }
            return try self.consentEntry(key, db)
        }
    }

    /// The workspace's decisions, read again only when its generation moved: one primary-key
    /// read per call, so that an append sees another process's changes.
    func consentEntry(_ workspace: Int64, _ db: Database) throws -> ConsentCacheEntry {
        let statement = try db.cachedStatement(
            sql: """
                SELECT (SELECT generation FROM consent_generations WHERE workspace = ?),
                       (SELECT policy FROM consent_policy WHERE id = 1)
                """)
        let row = try Row.fetchOne(statement, arguments: [workspace])
        let generation: Int64 = row?[0] ?? 0
        let policy = (row?[1] as String?).flatMap(ConsentDefault.init(rawValue:)) ?? .optOut
        let now = ContinuousClock.now
        let current: ConsentCacheEntry? = consentCache.withLock { entries in
            guard var cached = entries[workspace], cached.generation >= generation else { return nil }
            // A reader's snapshot may be older than memory, which a write in this process
            // already moved on: memory is then the newer of the two.
            if cached.generation == generation {
                cached.policy = policy
                cached.checked = now
                entries[workspace] = cached
            }
            return cached
        }
        if let current { return current }
        var choices: [String: ConsentChoices] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT user_id, choices FROM consents WHERE workspace = ?", arguments: [workspace])
        while let row = try rows.next() { choices[row[0]] = ConsentChoices(encoded: row[1]) }
        let entry = ConsentCacheEntry(generation: generation, policy: policy, choices: choices, checked: now)
        consentCache.withLock { entries in
            if (entries[workspace]?.generation ?? -1) < generation { entries[workspace] = entry }
        }
        return entry
    }

    func bumpConsentGeneration(_ workspace: Int64, _ db: Database) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO consent_generations (workspace, generation) VALUES (?, 1)
                ON CONFLICT (workspace) DO UPDATE SET generation = generation + 1
                """,
            arguments: [workspace])
        return try Int64.fetchOne(db, sql: "SELECT generation FROM consent_generations WHERE workspace = ?", arguments: [workspace]) ?? 1
    }

    static func storedPolicy(_ db: Database) throws -> ConsentDefault {
        try String.fetchOne(db, sql: "SELECT policy FROM consent_policy WHERE id = 1").flatMap(ConsentDefault.init(rawValue:))
            ?? .optOut
    }
}
