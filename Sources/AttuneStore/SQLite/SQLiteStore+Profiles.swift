import AttuneCore
import GRDB
import GRDBSQLite

extension SQLiteStore: ProfileStore {
    package func profile(of user: UserID, in workspace: WorkspaceID) async throws -> StoredProfile? {
        try readNow { db in
            guard let key = try self.workspaceKey(workspace, db) else { return nil }
            return try Self.loadProfile(key, user.rawValue, db)
        }
    }

    package func profiles(in workspace: WorkspaceID, after cursor: UserID?, limit: Int) async throws
        -> [(user: UserID, profile: StoredProfile)]
    {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT user_id, \(Self.profileColumns) FROM profiles WHERE workspace = ? AND user_id > ? ORDER BY user_id LIMIT ?",
                arguments: [key, cursor?.rawValue ?? "", limit])
            return try rows.map { row in (UserID(unchecked: row[0]), try Self.profile(row, offset: 1)) }
        }
    }

    package func replaceProfiles(
        _ profiles: [(user: UserID, traits: ProfileTraits)], in workspace: WorkspaceID, at time: Timestamp
    ) async throws {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            for (user, traits) in profiles {
                let stored = try Self.loadProfile(key, user.rawValue, db)
                let version = try Self.nextVersion(after: stored, key, user.rawValue, db)
                try Self.saveProfile(key, user.rawValue, traits, version: version, at: time.millisecondsSinceEpoch, db)
                try Self.recordVersion(
                    key, user.rawValue, version: version, at: time.millisecondsSinceEpoch, cause: .rebuild,
                    detail: ProfileChanges.rebuild(from: stored?.traits ?? ProfileTraits(), to: traits), db)
            }
        }
    }

    static let profileColumns = """
        version, first_seen, last_seen, events, types, sessions, closed_ms, session_id, session_start, session_last, \
        purchases, monetary, last_purchase, updated_at
        """

    /// Raw stepping, like the event insert: this runs once per user per appended batch.
    static func loadProfile(_ workspace: Int64, _ user: String, _ db: Database, using prepared: Statement? = nil) throws
        -> StoredProfile?
    {
        let statement = try prepared ?? loadStatement(db)
        let s = statement.sqliteStatement
        sqlite3_reset(s)
        sqlite3_bind_int64(s, 1, workspace)
        bindText(s, 2, user)
        defer { sqlite3_reset(s) }
        let code = sqlite3_step(s)
        if code == SQLITE_DONE { return nil }
        guard code == SQLITE_ROW else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        func text(_ i: Int32) -> String? {
            guard sqlite3_column_type(s, i) != SQLITE_NULL, let p = sqlite3_column_text(s, i) else { return nil }
            return String(cString: p)
        }
        func int(_ i: Int32) -> Int64 { sqlite3_column_int64(s, i) }
        var t = ProfileTraits()
        t.firstSeen = int(1)
        t.lastSeen = int(2)
        t.eventCount = Int(int(3))
        t.countsByType = try ProfileTraits.decodeTypeCounts(text(4) ?? "")
        t.sessionCount = Int(int(5))
        t.closedSessionMilliseconds = int(6)
        t.sessionID = text(7)
        t.sessionStart = int(8)
        t.sessionLast = int(9)
        t.purchaseCount = Int(int(10))
        t.monetary = sqlite3_column_double(s, 11)
        t.lastPurchase = sqlite3_column_type(s, 12) == SQLITE_NULL ? nil : int(12)
        return StoredProfile(traits: t, version: Int(int(0)), updatedAt: Timestamp(millisecondsSinceEpoch: int(13)))
    }

    static func profile(_ row: Row, offset o: Int) throws -> StoredProfile {
        var t = ProfileTraits()
        t.firstSeen = row[o + 1]
        t.lastSeen = row[o + 2]
        t.eventCount = row[o + 3]
        t.countsByType = try ProfileTraits.decodeTypeCounts(row[o + 4])
        t.sessionCount = row[o + 5]
        t.closedSessionMilliseconds = row[o + 6]
        t.sessionID = row[o + 7]
        t.sessionStart = row[o + 8]
        t.sessionLast = row[o + 9]
        t.purchaseCount = row[o + 10]
        t.monetary = row[o + 11]
        t.lastPurchase = row[o + 12]
        return StoredProfile(traits: t, version: row[o], updatedAt: Timestamp(millisecondsSinceEpoch: row[o + 13]))
    }

    static func loadStatement(_ db: Database) throws -> Statement {
        try db.cachedStatement(sql: "SELECT \(profileColumns) FROM profiles WHERE workspace = ? AND user_id = ?")
    }

    static func saveStatement(_ db: Database) throws -> Statement {
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO profiles (workspace, user_id, \(profileColumns))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
    }

    /// Overwrites an existing row in place (same binding positions as ``saveStatement(_:)``):
    /// REPLACE deletes the row and inserts it again, two B-tree edits where one suffices.
    static func updateStatement(_ db: Database) throws -> Statement {
        try db.cachedStatement(
            sql: """
                UPDATE profiles SET version = ?3, first_seen = ?4, last_seen = ?5, events = ?6, types = ?7, sessions = ?8,
                    closed_ms = ?9, session_id = ?10, session_start = ?11, session_last = ?12, purchases = ?13,
                    monetary = ?14, last_purchase = ?15, updated_at = ?16
                WHERE workspace = ?1 AND user_id = ?2
                """)
    }

    static func saveProfile(
        _ workspace: Int64, _ user: String, _ t: ProfileTraits, version: Int, at time: Int64, _ db: Database,
        using prepared: Statement? = nil
    ) throws {
        let statement = try prepared ?? saveStatement(db)
        let s = statement.sqliteStatement
        sqlite3_reset(s)
        sqlite3_bind_int64(s, 1, workspace)
        bindText(s, 2, user)
        for (index, value) in [
            (3, Int64(version)), (4, t.firstSeen), (5, t.lastSeen), (6, Int64(t.eventCount)), (8, Int64(t.sessionCount)),
            (9, t.closedSessionMilliseconds), (11, t.sessionStart), (12, t.sessionLast), (13, Int64(t.purchaseCount)),
            (16, time),
        ] as [(Int32, Int64)] {
            sqlite3_bind_int64(s, index, value)
        }
        bindText(s, 7, t.encodedTypeCounts)
        bindText(s, 10, t.sessionID)
        sqlite3_bind_double(s, 14, t.monetary)
        if let last = t.lastPurchase { sqlite3_bind_int64(s, 15, last) } else { sqlite3_bind_null(s, 15) }
        let code = sqlite3_step(s)
        sqlite3_reset(s)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }

    /// Folds freshly inserted events into their owners' profiles, inside the append transaction.
    /// Owners for whom `personal` is false (no personalization consent) get no profile.
    /// - Returns: the users whose profile changed, in first-seen order.
    @discardableResult
    static func updateProfiles(
        _ events: [Event], workspace: Int64, db: Database, personal: (String) -> Bool = { _ in true }
    ) throws -> [String] {
        guard !events.isEmpty else { return [] }
        // Each owner's events as positions in `events`, grouped by a slot per owner: no copy of
        // an event and no array per event (most events name their user, who is the only owner).
        var order: [String] = []
        var slots: [String: Int] = [:]
        var owned: [[Int]] = []
        var links: [String: [String]] = [:]
        func own(_ user: String, _ position: Int) {
            guard personal(user) else { return }
            if let slot = slots[user] {
                owned[slot].append(position)
            } else {
                slots[user] = order.count
                order.append(user)
                owned.append([position])
            }
        }
        for (position, event) in events.enumerated() {
            if let user = event.userID {
                own(user.rawValue, position)
                continue
            }
            let owners = try ProfileOwnership.owners(of: event) { anonymous in
                if let known = links[anonymous.rawValue] { return known }
                let found = try linkedUsers(workspace, anonymous.rawValue, db)
                links[anonymous.rawValue] = found
                return found
            }
            for user in owners { own(user, position) }
        }
        // Looked up once per batch: the statement cache hashes the whole SQL text on every lookup.
        let load = try loadStatement(db)
        let save = try saveStatement(db)
        let update = try updateStatement(db)
        let history = try historyStatement(db)
        // Users in key order, not arrival order: consecutive seeks into the profiles table and the
        // history index then land on the same or neighbouring B-tree pages, still in the CPU cache,
        // where a batch of users in random order touched a cold page per seek.
        for slot in order.indices.sorted(by: { order[$0].utf8.lexicographicallyPrecedes(order[$1].utf8) }) {
            let user = order[slot]
            let stored = try loadProfile(workspace, user, db, using: load)
            let before = stored?.traits ?? ProfileTraits()
            var traits = before
            var latest: Int64 = stored?.updatedAt.millisecondsSinceEpoch ?? 0
            for position in owned[slot] {
                let event = events[position]
                fold(event, into: &traits)
                latest = max(latest, event.receivedAt.millisecondsSinceEpoch)
            }
            let version = try nextVersion(after: stored, workspace, user, db)
            try saveProfile(workspace, user, traits, version: version, at: latest, db, using: stored == nil ? save : update)
            try recordVersion(
                workspace, user, version: version, at: latest, cause: .event,
                detail: ProfileChanges.events(
                    count: owned[slot].count, ids: owned[slot].prefix(ProfileChanges.eventIDLimit).lazy.map { events[$0].id },
                    from: before, to: traits),
                db, using: history)
        }
        return order
    }

    static func fold(_ event: Event, into traits: inout ProfileTraits) {
        traits.apply(
            type: event.type.rawValue, sessionID: event.sessionID?.rawValue, value: event.value,
            timestamp: event.timestamp.millisecondsSinceEpoch)
    }

    /// Recomputes one user's profile from every event it owns, in log order: after `anonymous`
    /// was linked to them (cause `identify`), or after consent to personalization came back
    /// (cause `consent`, no anonymous id).
    static func refoldProfile(
        _ workspace: Int64, _ user: String, linking anonymous: String?, cause: ProfileVersion.Cause = .identify,
        at time: Int64, _ db: Database
    ) throws {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT * FROM events WHERE workspace = ?1 AND (user_id = ?2 OR (user_id IS NULL AND anonymous_id IN
                    (SELECT anonymous_id FROM identities WHERE workspace = ?1 AND user_id = ?2)))
                ORDER BY seq
                """,
            arguments: [workspace, user])
        var traits = ProfileTraits()
        while let row = try rows.next() { fold(storedEvent(row).event, into: &traits) }
        guard traits.eventCount > 0 else { return }
        let stored = try loadProfile(workspace, user, db)
        let version = try nextVersion(after: stored, workspace, user, db)
        try saveProfile(workspace, user, traits, version: version, at: time, db)
        try recordVersion(
            workspace, user, version: version, at: time, cause: cause,
            detail: ProfileChanges.identify(anonymous, from: stored?.traits ?? ProfileTraits(), to: traits), db)
    }
}
