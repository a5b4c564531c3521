import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

extension PostgresStore: WebhookStore {
    /// The cursor starts at the newest event of the whole log, as on SQLite. The workspace's
    /// append lock is held while it is read: no append to this workspace is then between taking
    /// its sequence numbers and committing, so every event of the workspace is either at or
    /// below the cursor and visible, or numbered later, above it.
    ///
    /// Not idempotent: a replay after a lost COMMIT answer would store the webhook twice.
    package func createWebhook(_ webhook: Webhook, in workspace: WorkspaceID) async throws -> Webhook {
        try Self.refuseNUL(webhook.id, field: "id")
        try Self.refuseNUL(webhook.url, field: "url")
        try Self.refuseNUL(webhook.secret, field: "secret")
        try Self.refuseNUL(webhook.segment?.rawValue, field: "segment")
        return try await transaction("create webhook", idempotent: false) { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            // Also queues creations in one workspace, so two cannot both take the last place.
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(AdvisoryLock.appendNamespace), \(Int32(truncatingIfNeeded: key)))",
                logger: logger)
            let rows = try await connection.query(
                """
                SELECT (SELECT count(*) FROM webhooks WHERE workspace = \(key)), coalesce((SELECT max(seq) FROM events), 0)
                """, logger: logger)
            var created = webhook
            for try await (count, newest) in rows.decode((Int64, Int64).self) {
                guard count < SQLiteStore.maxWebhooks else {
                    throw AttuneError(code: .conflict, message: "a workspace holds at most \(SQLiteStore.maxWebhooks) webhooks")
                }
                created.cursor = newest
            }
            try await connection.query(
                """
                INSERT INTO webhooks (workspace, id, url, secret, segment, created_at, cursor, attempts, next_attempt_at, last_error)
                VALUES (\(key), \(created.id), \(created.url), \(created.secret), \(created.segment?.rawValue),
                        \(created.createdAt.millisecondsSinceEpoch), \(created.cursor), 0, 0, NULL)
                """, logger: logger)
            return created
        }
    }

    package func webhooks(in workspace: WorkspaceID) async throws -> [Webhook] {
        try await read("list webhooks") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT id, url, secret, segment, created_at, cursor, attempts, next_attempt_at, last_error
                FROM webhooks WHERE workspace = \(key) ORDER BY created_at, id COLLATE "C"
                """, logger: logger)
            var hooks: [Webhook] = []
            let decoded = rows.decode((String, String, String, String?, Int64, Int64, Int64, Int64, String?).self)
            for try await (id, url, secret, segment, created, cursor, attempts, next, lastError) in decoded {
                hooks.append(Webhook(
                    id: id, url: url, secret: secret, segment: segment.map(SegmentID.init(unchecked:)),
                    createdAt: Timestamp(millisecondsSinceEpoch: created), cursor: cursor, attempts: Int(attempts),
                    nextAttemptAt: next, lastError: lastError))
            }
            return hooks
        }
    }

    package func deleteWebhook(_ id: String, in workspace: WorkspaceID) async throws -> Bool {
        guard !id.utf8.contains(0) else { return false }
        // Not replayed: a replay after a lost COMMIT answer would find nothing and say "no such
        // webhook" (404) for one it has just deleted.
        return try await transaction("delete webhook", idempotent: false) { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return false }
            let rows = try await connection.query(
                """
                WITH hook AS (DELETE FROM webhooks WHERE workspace = \(key) AND id = \(id) RETURNING 1),
                letters AS (DELETE FROM webhook_dead_letters WHERE workspace = \(key) AND webhook = \(id))
                SELECT count(*) FROM hook
                """, logger: logger)
            var deleted = false
            for try await count in rows.decode(Int64.self) { deleted = count > 0 }
            return deleted
        }
    }

    /// A write whose cursor is behind the stored one is dropped whole: it comes from a
    /// dispatcher that has fallen behind another (two workers during a leadership hand-over),
    /// and its attempts and error describe a change the other has already handled.
    package func updateDelivery(of webhook: Webhook, in workspace: WorkspaceID) async throws {
        try Self.refuseNUL(webhook.lastError, field: "lastError")
        guard !webhook.id.utf8.contains(0) else { return }
        try await transaction("update webhook delivery") { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            try await connection.query(
                """
                UPDATE webhooks SET cursor = \(webhook.cursor), attempts = \(Int64(webhook.attempts)),
                    next_attempt_at = \(webhook.nextAttemptAt), last_error = \(webhook.lastError)
                WHERE workspace = \(key) AND id = \(webhook.id) AND cursor <= \(webhook.cursor)
                """, logger: logger)
        }
    }

    /// As on SQLite, the scan's horizon is the newest event of the whole log, and the cursor may
    /// move there when the page is not full. On PostgreSQL a sequence number is taken before
    /// its row commits, so the workspace's append lock is held (shared: readers do not queue
    /// behind each other) while the horizon is read: no append to the workspace is then in
    /// flight, and any later one is numbered above the horizon. Without it a change numbered
    /// below the horizon and committed just after the read would be skipped for good.
    ///
    /// Segment changes are written into `events` by the segment store, which must take the same
    /// append lock, as every writer of the log does.
    package func segmentChanges(in workspace: WorkspaceID, after cursor: Int64, limit: Int) async throws
        -> (changes: [SegmentChange], scannedTo: Int64)
    {
        try await transaction("read segment changes") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return ([], cursor) }
            try await connection.query(
                "SELECT pg_advisory_xact_lock_shared(\(AdvisoryLock.appendNamespace), \(Int32(truncatingIfNeeded: key)))",
                logger: logger)
            var newest = cursor
            for try await value in try await connection.query("SELECT max(seq) FROM events", logger: logger).decode(Int64?.self) {
                newest = value ?? cursor
            }
            // The type list is spelled as in the partial index events_segment_changes, so that
            // the planner can use it.
            let rows = try await connection.query(
                """
                SELECT seq, type, user_id, properties, ts FROM events
                WHERE seq > \(cursor) AND seq <= \(newest) AND workspace = \(key)
                    AND type IN ('segment_entered', 'segment_left') AND user_id IS NOT NULL
                ORDER BY seq LIMIT \(Self.sqlLimit(limit))
                """, logger: logger)
            var changes: [SegmentChange] = []
            var count = 0
            var last: Int64?
            for try await (seq, type, user, properties, ts) in rows.decode((Int64, String, String, String?, Int64).self) {
                count += 1
                last = seq
                guard let segment = (try? JSONParser().parse(properties ?? "{}"))?["segment"]?.stringValue else { continue }
                changes.append(SegmentChange(
                    sequence: seq, entered: type == SegmentEvents.entered.rawValue, user: UserID(unchecked: user),
                    segment: SegmentID(unchecked: segment), time: Timestamp(millisecondsSinceEpoch: ts)))
            }
            let scannedTo = count == limit ? (last ?? cursor) : max(cursor, newest)
            return (changes, scannedTo)
        }
    }

    /// Not idempotent: a replay after a lost COMMIT answer would store the letter twice.
    package func addDeadLetter(_ letter: DeadLetter, in workspace: WorkspaceID) async throws {
        try Self.refuseNUL(letter.webhook, field: "webhook")
        try Self.refuseNUL(letter.change.user.rawValue, field: "user")
        try Self.refuseNUL(letter.change.segment.rawValue, field: "segment")
        try Self.refuseNUL(letter.error, field: "error")
        try await transaction("add dead letter", idempotent: false) { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            try await connection.query(
                """
                INSERT INTO webhook_dead_letters (workspace, webhook, event_seq, entered, user_id, segment, ts, error, at)
                VALUES (\(key), \(letter.webhook), \(letter.change.sequence), \(letter.change.entered),
                        \(letter.change.user.rawValue), \(letter.change.segment.rawValue),
                        \(letter.change.time.millisecondsSinceEpoch), \(letter.error), \(letter.time.millisecondsSinceEpoch))
                """, logger: logger)
        }
    }

    package func deadLetters(of webhook: String, in workspace: WorkspaceID, limit: Int) async throws -> [DeadLetter] {
        guard !webhook.utf8.contains(0) else { return [] }
        return try await read("read dead letters") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT event_seq, entered, user_id, segment, ts, error, at FROM webhook_dead_letters
                WHERE workspace = \(key) AND webhook = \(webhook) ORDER BY seq DESC LIMIT \(Self.sqlLimit(limit))
                """, logger: logger)
            var letters: [DeadLetter] = []
            let decoded = rows.decode((Int64, Bool, String, String, Int64, String, Int64).self)
            for try await (sequence, entered, user, segment, ts, error, at) in decoded {
                letters.append(DeadLetter(
                    webhook: webhook,
                    change: SegmentChange(
                        sequence: sequence, entered: entered, user: UserID(unchecked: user), segment: SegmentID(unchecked: segment),
                        time: Timestamp(millisecondsSinceEpoch: ts)),
                    error: error, time: Timestamp(millisecondsSinceEpoch: at)))
            }
            return letters
        }
    }
}
