import AttuneCore
import GRDB

extension SQLiteStore: TextStore {
    package static var maxPageSize: Int { 1_000 }

    package func appendText(_ text: CustomerText, in workspace: WorkspaceID) async throws {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            if try Bool.fetchOne(
                db, sql: "SELECT 1 FROM texts WHERE workspace = ? AND id = ?", arguments: [key, text.id.rawValue]) == true
            {
                throw AttuneError(code: .conflict, message: "a text with this id exists", field: "id")
            }
            try db.execute(
                sql: """
                    INSERT INTO texts (workspace, id, user_id, source, body, ts, item_id, sentiment, sentiment_label,
                        entities, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key, text.id.rawValue, text.user.rawValue, text.source.rawValue, text.body,
                    text.time.millisecondsSinceEpoch, text.item?.rawValue, text.sentiment, text.sentimentLabel,
                    text.entities, text.createdAt.millisecondsSinceEpoch,
                ])
            let seq = db.lastInsertedRowID
            for mention in Set(text.mentions) {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO text_mentions (text_seq, workspace, user_id, target_kind, target, sentiment, ts)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        seq, key, text.user.rawValue, mention.target.kind, mention.target.value, mention.sentiment,
                        text.time.millisecondsSinceEpoch,
                    ])
            }
        }
    }

    package func texts(of user: UserID, in workspace: WorkspaceID, after cursor: Int64?, limit: Int) async throws
        -> [(sequence: Int64, text: CustomerText)]
    {
        let limit = max(0, min(limit, Self.maxPageSize))
        return try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, id, source, body, ts, item_id, sentiment, sentiment_label, entities, created_at
                    FROM texts WHERE workspace = ? AND user_id = ? AND seq > ? ORDER BY seq LIMIT ?
                    """,
                arguments: [key, user.rawValue, cursor ?? 0, limit])
            return try rows.map { row in
                let seq: Int64 = row[0]
                let mentions = try Row.fetchAll(
                    db, sql: "SELECT target_kind, target, sentiment FROM text_mentions WHERE text_seq = ? ORDER BY 1, 2",
                    arguments: [seq]
                ).compactMap { m -> TextMention? in
                    MentionTarget(kind: m[0], value: m[1]).map { TextMention(target: $0, sentiment: m[2]) }
                }
                let text = CustomerText(
                    id: TextID(unchecked: row[1]), user: user, source: TextSource(rawValue: row[2]) ?? .chat, body: row[3],
                    time: Timestamp(millisecondsSinceEpoch: row[4]), item: (row[5] as String?).map(ItemID.init(unchecked:)),
                    sentiment: row[6], sentimentLabel: row[7], entities: row[8], mentions: mentions,
                    createdAt: Timestamp(millisecondsSinceEpoch: row[9]))
                return (seq, text)
            }
        }
    }

    static func summary(_ row: Row, user: UserID? = nil, target: MentionTarget? = nil) -> MentionSummary? {
        // Columns: user_id, target_kind, target, count, mean, min, last ts.
        guard let target = target ?? MentionTarget(kind: row[1], value: row[2]) else { return nil }
        return MentionSummary(
            user: user ?? UserID(unchecked: row[0]), target: target, count: row[3], meanSentiment: row[4],
            minSentiment: row[5], lastTime: Timestamp(millisecondsSinceEpoch: row[6]))
    }

    package func mentions(of user: UserID, in workspace: WorkspaceID, after cursor: MentionTarget?, limit: Int)
        async throws -> [MentionSummary]
    {
        let limit = max(0, min(limit, Self.maxPageSize))
        return try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT user_id, target_kind, target, count(*), avg(sentiment), min(sentiment), max(ts)
                    FROM text_mentions WHERE workspace = ? AND user_id = ? AND (target_kind, target) > (?, ?)
                    GROUP BY target_kind, target ORDER BY target_kind, target LIMIT ?
                    """,
                arguments: [key, user.rawValue, cursor?.kind ?? "", cursor?.value ?? "", limit])
            return rows.compactMap { Self.summary($0, user: user) }
        }
    }

    package func mentioners(of target: MentionTarget, in workspace: WorkspaceID, after cursor: UserID?, limit: Int)
        async throws -> [MentionSummary]
    {
        let limit = max(0, min(limit, Self.maxPageSize))
        return try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT user_id, target_kind, target, count(*), avg(sentiment), min(sentiment), max(ts)
                    FROM text_mentions WHERE workspace = ? AND target_kind = ? AND target = ? AND user_id > ?
                    GROUP BY user_id ORDER BY user_id LIMIT ?
                    """,
                arguments: [key, target.kind, target.value, cursor?.rawValue ?? "", limit])
            return rows.compactMap { Self.summary($0, target: target) }
        }
    }

    package func coMentioned(with item: ItemID, in workspace: WorkspaceID, offset: Int, limit: Int) async throws
        -> [CoMention]
    {
        let limit = max(0, min(limit, Self.maxPageSize))
        return try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT b.target, count(*) AS n FROM text_mentions a
                    JOIN text_mentions b ON b.text_seq = a.text_seq AND b.target_kind = 'item' AND b.target != a.target
                    WHERE a.workspace = ? AND a.target_kind = 'item' AND a.target = ?
                    GROUP BY b.target ORDER BY n DESC, b.target LIMIT ? OFFSET ?
                    """,
                arguments: [key, item.rawValue, limit, max(0, offset)])
            return rows.map { CoMention(item: ItemID(unchecked: $0[0]), texts: $0[1]) }
        }
    }

    package func catalogVersion(in workspace: WorkspaceID) async throws -> [Int64] {
        // Serving's catalogue cache asks on its request path: read on the calling thread.
        try readNow { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            let row = try Row.fetchOne(
                db, sql: "SELECT count(*), coalesce(max(updated_at), 0) FROM items WHERE workspace = ?", arguments: [key])
            return [row?[0] ?? 0, row?[1] ?? 0]
        }
    }

    package func negativelyMentioned(by user: UserID, in workspace: WorkspaceID, threshold: Double) async throws
        -> Set<MentionTarget>
    {
        // Most workspaces have no texts at all: one question per database change answers for everyone.
        let any = ServingReadCache.Key(kind: .anyMentions, workspace: workspace, user: "", parameter: 0)
        if case .flag(false) = try servingCache.value(any, read: { .flag(try hasMentions(in: workspace)) }) { return [] }
        let key = ServingReadCache.Key(kind: .negativeMentions, workspace: workspace, user: user.rawValue, parameter: threshold)
        let value = try servingCache.value(key) { .mentions(try readNegativeMentions(by: user, in: workspace, threshold: threshold)) }
        guard case .mentions(let targets) = value else {
            return try readNegativeMentions(by: user, in: workspace, threshold: threshold)
        }
        return targets
    }

    private func hasMentions(in workspace: WorkspaceID) throws -> Bool {
        try readNow { db in
            guard let key = try self.workspaceKey(workspace, db) else { return false }
            let statement = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM text_mentions WHERE workspace = ?)")
            return try Bool.fetchOne(statement, arguments: [key]) ?? false
        }
    }

    private func readNegativeMentions(by user: UserID, in workspace: WorkspaceID, threshold: Double) throws
        -> Set<MentionTarget>
    {
        // On the serving path (every recommendation request): read on the calling thread.
        try readNow { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            let statement = try db.cachedStatement(
                sql: """
                    SELECT DISTINCT target_kind, target FROM text_mentions
                    WHERE workspace = ? AND user_id = ? AND sentiment <= ?
                    """)
            let rows = try Row.fetchAll(statement, arguments: [key, user.rawValue, threshold])
            return Set(rows.compactMap { MentionTarget(kind: $0[0], value: $0[1]) })
        }
    }
}
