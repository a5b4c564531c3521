import AttuneCore
import Foundation
import GRDB
import GRDBSQLite

let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

extension SQLiteStore: EventStore {
    package func append(_ batches: [EventBatch]) async throws -> [AppendResult] {
        try await writer.write { db in
            try Self.append(batches, db: db, store: self)
        }
    }

    /// The hot path of ingestion: binds straight to a cached prepared statement because GRDB's
    /// argument boxing costs more than the insert itself at hundreds of thousands of rows per
    /// second.
    static func append(_ batches: [EventBatch], db: Database, store: SQLiteStore) throws -> [AppendResult] {
        let insert = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO events
                (workspace, id, type, user_id, anonymous_id, session_id, item_id, value, properties, context, ts, received_at,
                 original_user_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let statement = insert.sqliteStatement
        let connection = db.sqliteConnection
        var results: [AppendResult] = []
        results.reserveCapacity(batches.count)
        for batch in batches {
            let workspace = try store.requireWorkspace(batch.workspace, db)
            var result = AppendResult()
            var actors: [ActorKey: ActorActivity] = [:]
            var inserted: [Event] = []
            let consent = try store.consentEntry(workspace, db)
            // Nobody has decided anything under opt-out: no lookup per event.
            let checksConsent = !consent.choices.isEmpty || !consent.policy.allows
            // Events for a merged user's id belong to the canonical user, and remember the id
            // they came for; one lookup per batch when nobody was ever merged.
            let aliased = try hasAliases(workspace, db)
            var canonicals: [String: String] = [:]
            for arrived in batch.events {
                var event = arrived
                var originalUser: String?
                if aliased, let named = arrived.userID?.rawValue {
                    let canonical = try canonicals[named] ?? canonical(workspace, named, db)
                    canonicals[named] = canonical
                    if canonical != named {
                        event.userID = UserID(unchecked: canonical)
                        originalUser = named
                    }
                }
                if checksConsent, let subject = event.userID?.rawValue ?? event.anonymousID?.rawValue,
                    !consent.permits(.analytics, for: subject)
                {
                    result.withheld += 1
                    continue
                }
                sqlite3_reset(statement)
                sqlite3_bind_int64(statement, 1, workspace)
                let idBytes = event.id.bytes
                idBytes.withUnsafeBytes { raw in
                    _ = sqlite3_bind_blob(statement, 2, raw.baseAddress, 16, transient)
                }
                bindText(statement, 3, event.type.rawValue)
                bindText(statement, 4, event.userID?.rawValue)
                bindText(statement, 5, event.anonymousID?.rawValue)
                bindText(statement, 6, event.sessionID?.rawValue)
                bindText(statement, 7, event.itemID?.rawValue)
                if let value = event.value {
                    sqlite3_bind_double(statement, 8, value)
                } else {
                    sqlite3_bind_null(statement, 8)
                }
                bindText(statement, 9, event.properties)
                bindText(statement, 10, event.context)
                sqlite3_bind_int64(statement, 11, event.timestamp.millisecondsSinceEpoch)
                sqlite3_bind_int64(statement, 12, event.receivedAt.millisecondsSinceEpoch)
                bindText(statement, 13, originalUser)
                let code = sqlite3_step(statement)
                guard code == SQLITE_DONE else {
                    let message = String(cString: sqlite3_errmsg(connection))
                    sqlite3_reset(statement)
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
                }
                if sqlite3_changes(connection) == 0 {
                    result.duplicates += 1
                    continue
                }
                result.inserted += 1
                if event.userID != nil || event.anonymousID != nil { inserted.append(event) }
                if let user = event.userID {
                    actors[ActorKey(anonymous: false, id: user.rawValue), default: .init()].add(event.timestamp)
                } else if let anonymous = event.anonymousID {
                    actors[ActorKey(anonymous: true, id: anonymous.rawValue), default: .init()].add(event.timestamp)
                }
            }
            sqlite3_reset(statement)
            if result.withheld > 0 {
                try db.execute(
                    sql: """
                        INSERT INTO workspace_counters (workspace, events, withheld) VALUES (?, 0, ?)
                        ON CONFLICT (workspace) DO UPDATE SET withheld = withheld + excluded.withheld
                        """,
                    arguments: [workspace, result.withheld])
            }
            if result.inserted > 0 {
                try db.execute(
                    sql: """
                        INSERT INTO workspace_counters (workspace, events) VALUES (?, ?)
                        ON CONFLICT (workspace) DO UPDATE SET events = events + excluded.events
                        """,
                    arguments: [workspace, result.inserted])
                let upsert = try db.cachedStatement(
                    sql: """
                        INSERT INTO actors (workspace, anonymous, actor_id, first_seen, last_seen, event_count)
                        VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (workspace, anonymous, actor_id) DO UPDATE SET
                            first_seen = min(first_seen, excluded.first_seen),
                            last_seen = max(last_seen, excluded.last_seen),
                            event_count = event_count + excluded.event_count
                        """)
                for (key, activity) in actors {
                    try upsert.execute(arguments: [
                        workspace, key.anonymous, key.id, activity.first, activity.last, activity.count,
                    ])
                }
                if store.maintainsProfiles {
                    let users = try updateProfiles(inserted, workspace: workspace, db: db) { user in
                        !checksConsent || consent.permits(.personalization, for: user)
                    }
                    // Time for windows is the receipt of the batch: the injected clock, not the client's.
                    let now = inserted.map(\.receivedAt.millisecondsSinceEpoch).max() ?? 0
                    try store.reevaluateSegments(users, workspace: workspace, now: now, db)
                }
            }
            results.append(result)
        }
        return results
    }

    package func events(of user: UserID, in workspace: WorkspaceID, after cursor: Int64?, limit: Int) async throws
        -> [StoredEvent]
    {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM events WHERE workspace = ?1 AND seq > ?2 AND (
                        user_id = ?3 OR anonymous_id IN
                            (SELECT anonymous_id FROM identities WHERE workspace = ?1 AND user_id = ?3))
                    ORDER BY seq LIMIT ?4
                    """,
                arguments: [key, cursor ?? 0, user.rawValue, limit])
            return rows.map(Self.storedEvent)
        }
    }

    package func recentEvents(of user: UserID, in workspace: WorkspaceID, limit: Int) async throws -> [StoredEvent] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (
                        SELECT * FROM events WHERE workspace = ?1 AND user_id = ?2
                        UNION ALL
                        SELECT * FROM events WHERE workspace = ?1 AND anonymous_id IN
                            (SELECT anonymous_id FROM identities WHERE workspace = ?1 AND user_id = ?2)
                            AND (user_id IS NULL OR user_id != ?2)
                        ORDER BY seq DESC LIMIT ?3)
                    ORDER BY seq
                    """,
                arguments: [key, user.rawValue, limit])
            return rows.map(Self.storedEvent)
        }
    }

    package func recentItems(of user: UserID, in workspace: WorkspaceID, limit: Int) async throws -> [ItemID] {
        // Every recommendation request asks; the answer is kept until the database changes.
        let key = ServingReadCache.Key(kind: .recentItems, workspace: workspace, user: user.rawValue, parameter: Double(limit))
        let value = try servingCache.value(key) { .items(try readRecentItems(of: user, in: workspace, limit: limit)) }
        guard case .items(let items) = value else { return try readRecentItems(of: user, in: workspace, limit: limit) }
        return items
    }

    private func readRecentItems(of user: UserID, in workspace: WorkspaceID, limit: Int) throws -> [ItemID] {
        try readNow { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            // Cached and column-indexed: this runs on every recommendation request.
            let statement = try db.cachedStatement(
                sql: """
                    SELECT item_id FROM (
                        SELECT seq, item_id FROM events WHERE workspace = ?1 AND user_id = ?2 AND item_id IS NOT NULL
                        UNION ALL
                        SELECT seq, item_id FROM events WHERE workspace = ?1 AND anonymous_id IN
                            (SELECT anonymous_id FROM identities WHERE workspace = ?1 AND user_id = ?2)
                            AND (user_id IS NULL OR user_id != ?2) AND item_id IS NOT NULL
                        ORDER BY seq DESC LIMIT ?3)
                    ORDER BY seq
                    """)
            statement.setUncheckedArguments([key, user.rawValue, limit])
            var items: [ItemID] = []
            let rows = try Row.fetchCursor(statement)
            while let row = try rows.next() { items.append(ItemID(unchecked: row[0])) }
            return items
        }
    }

    package func interactions(in workspace: WorkspaceID, after cursor: Int64?, limit: Int) async throws -> [Interaction] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            let statement = try db.cachedStatement(
                sql: """
                    SELECT seq, user_id, item_id, type, ts FROM events
                    WHERE workspace = ? AND seq > ? AND user_id IS NOT NULL AND item_id IS NOT NULL
                    ORDER BY seq LIMIT ?
                    """)
            statement.setUncheckedArguments([key, cursor ?? 0, limit])
            var out: [Interaction] = []
            out.reserveCapacity(limit)
            let rows = try Row.fetchCursor(statement)
            while let row = try rows.next() {
                out.append(Interaction(
                    sequence: row[0], user: UserID(unchecked: row[1]), item: ItemID(unchecked: row[2]),
                    type: EventType(unchecked: row[3]), timestamp: Timestamp(millisecondsSinceEpoch: row[4])))
            }
            return out
        }
    }

    package func events(in workspace: WorkspaceID, after cursor: Int64?, limit: Int) async throws -> [StoredEvent] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM events WHERE workspace = ? AND seq > ? ORDER BY seq LIMIT ?",
                arguments: [key, cursor ?? 0, limit])
            return rows.map(Self.storedEvent)
        }
    }

    package func event(id: EventID, in workspace: WorkspaceID) async throws -> StoredEvent? {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return nil }
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM events WHERE workspace = ? AND id = ?",
                arguments: [key, Data(id.bytes)])
            return row.map(Self.storedEvent)
        }
    }

    static func storedEvent(_ row: Row) -> StoredEvent {
        let idData: Data = row["id"]
        let event = Event(
            id: EventID(bytes: Array(idData)),
            type: EventType(unchecked: row["type"]),
            userID: (row["user_id"] as String?).map(UserID.init(unchecked:)),
            anonymousID: (row["anonymous_id"] as String?).map(AnonymousID.init(unchecked:)),
            sessionID: (row["session_id"] as String?).map(SessionID.init(unchecked:)),
            itemID: (row["item_id"] as String?).map(ItemID.init(unchecked:)),
            value: row["value"],
            properties: row["properties"],
            context: row["context"],
            timestamp: Timestamp(millisecondsSinceEpoch: row["ts"]),
            receivedAt: Timestamp(millisecondsSinceEpoch: row["received_at"]))
        return StoredEvent(sequence: row["seq"], event: event)
    }
}

func bindText(_ statement: OpaquePointer?, _ index: Int32, _ text: String?) {
    guard let text else {
        sqlite3_bind_null(statement, index)
        return
    }
    var copy = text
    if copy.isEmpty {
        sqlite3_bind_text(statement, index, "", 0, transient)
        return
    }
    copy.withUTF8 { utf8 in
        _ = utf8.withMemoryRebound(to: CChar.self) { chars in
            sqlite3_bind_text(statement, index, chars.baseAddress, Int32(chars.count), transient)
        }
    }
}

private struct ActorKey: Hashable {
    var anonymous: Bool
    var id: String
}

private struct ActorActivity {
    var first = Int64.max
    var last = Int64.min
    var count = 0

    mutating func add(_ time: Timestamp) {
        first = min(first, time.millisecondsSinceEpoch)
        last = max(last, time.millisecondsSinceEpoch)
        count += 1
    }
}
