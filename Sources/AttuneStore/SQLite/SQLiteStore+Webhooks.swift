import AttuneCore
import GRDB

extension SQLiteStore: WebhookStore {
    package func createWebhook(_ webhook: Webhook, in workspace: WorkspaceID) async throws -> Webhook {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhooks WHERE workspace = ?", arguments: [key]) ?? 0
            guard count < Self.maxWebhooks else {
                throw AttuneError(code: .conflict, message: "a workspace holds at most \(Self.maxWebhooks) webhooks")
            }
            var created = webhook
            created.cursor = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0
            try db.execute(
                sql: """
                    INSERT INTO webhooks (workspace, id, url, secret, segment, created_at, cursor, attempts, next_attempt_at, last_error)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, NULL)
                    """,
                arguments: [
                    key, created.id, created.url, created.secret, created.segment?.rawValue,
                    created.createdAt.millisecondsSinceEpoch, created.cursor,
                ])
            return created
        }
    }

    package func webhooks(in workspace: WorkspaceID) async throws -> [Webhook] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT id, url, secret, segment, created_at, cursor, attempts, next_attempt_at, last_error
                    FROM webhooks WHERE workspace = ? ORDER BY created_at, id
                    """,
                arguments: [key]
            ).map { row in
                Webhook(
                    id: row[0], url: row[1], secret: row[2], segment: (row[3] as String?).map(SegmentID.init(unchecked:)),
                    createdAt: Timestamp(millisecondsSinceEpoch: row[4]), cursor: row[5], attempts: row[6], nextAttemptAt: row[7],
                    lastError: row[8])
            }
        }
    }

    package func deleteWebhook(_ id: String, in workspace: WorkspaceID) async throws -> Bool {
        try await writer.write { db in
            guard let key = try self.workspaceKey(workspace, db) else { return false }
            try db.execute(sql: "DELETE FROM webhooks WHERE workspace = ? AND id = ?", arguments: [key, id])
            let deleted = db.changesCount > 0
            try db.execute(sql: "DELETE FROM webhook_dead_letters WHERE workspace = ? AND webhook = ?", arguments: [key, id])
            return deleted
        }
    }

    /// A write whose cursor is behind the stored one is dropped whole: it comes from a
    /// dispatcher that has fallen behind another (an `attune worker` beside a process that
    /// delivered until a moment ago), and its attempts and error describe a change the other has
    /// already handled.
    package func updateDelivery(of webhook: Webhook, in workspace: WorkspaceID) async throws {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            try db.execute(
                sql: """
                    UPDATE webhooks SET cursor = ?, attempts = ?, next_attempt_at = ?, last_error = ?
                    WHERE workspace = ? AND id = ? AND cursor <= ?
                    """,
                arguments: [
                    webhook.cursor, webhook.attempts, webhook.nextAttemptAt, webhook.lastError, key, webhook.id, webhook.cursor,
                ])
        }
    }

    package func segmentChanges(in workspace: WorkspaceID, after cursor: Int64, limit: Int) async throws
        -> (changes: [SegmentChange], scannedTo: Int64)
    {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return ([], cursor) }
            // The newest sequence is read first: everything at or below it is either in the result
            // or not a segment change, so the cursor may move there when the page is not full.
            let newest = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? cursor
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, type, user_id, properties, ts FROM events
                    WHERE seq > ? AND seq <= ? AND workspace = ? AND type IN (?, ?) AND user_id IS NOT NULL
                    ORDER BY seq LIMIT ?
                    """,
                arguments: [cursor, newest, key, SegmentEvents.entered.rawValue, SegmentEvents.left.rawValue, limit])
            var changes: [SegmentChange] = []
            for row in rows {
                let properties: String = row[3] ?? "{}"
                guard let segment = (try? JSONParser().parse(properties))?["segment"]?.stringValue else { continue }
                changes.append(
                    SegmentChange(
                        sequence: row[0], entered: (row[1] as String) == SegmentEvents.entered.rawValue,
                        user: UserID(unchecked: row[2]), segment: SegmentID(unchecked: segment),
                        time: Timestamp(millisecondsSinceEpoch: row[4])))
            }
            let scannedTo = rows.count == limit ? (rows.last.map { $0[0] as Int64 } ?? cursor) : max(cursor, newest)
            return (changes, scannedTo)
        }
    }

    package func addDeadLetter(_ letter: DeadLetter, in workspace: WorkspaceID) async throws {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            try db.execute(
                sql: """
                    INSERT INTO webhook_dead_letters (workspace, webhook, event_seq, entered, user_id, segment, ts, error, at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key, letter.webhook, letter.change.sequence, letter.change.entered, letter.change.user.rawValue,
                    letter.change.segment.rawValue, letter.change.time.millisecondsSinceEpoch, letter.error,
                    letter.time.millisecondsSinceEpoch,
                ])
        }
    }

    package func deadLetters(of webhook: String, in workspace: WorkspaceID, limit: Int) async throws -> [DeadLetter] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT event_seq, entered, user_id, segment, ts, error, at FROM webhook_dead_letters
                    WHERE workspace = ? AND webhook = ? ORDER BY seq DESC LIMIT ?
                    """,
                arguments: [key, webhook, limit]
            ).map { row in
                DeadLetter(
                    webhook: webhook,
                    change: SegmentChange(
                        sequence: row[0], entered: row[1], user: UserID(unchecked: row[2]), segment: SegmentID(unchecked: row[3]),
                        time: Timestamp(millisecondsSinceEpoch: row[4])),
                    error: row[5], time: Timestamp(millisecondsSinceEpoch: row[6]))
            }
        }
    }
}

extension SQLiteStore {
    /// Each webhook is a delivery loop over the event log, so their number is bounded.
    package static let maxWebhooks = 100
}
