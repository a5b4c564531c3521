import AttuneCore
import GRDB

extension SQLiteStore: ActivityStore {
    package func arrivals(
        in workspace: WorkspaceID, from: Timestamp, bucketMilliseconds: Int64, buckets: Int, type: EventType?
    ) async throws -> [Int] {
        guard buckets > 0, bucketMilliseconds > 0 else { return [] }
        let start = from.millisecondsSinceEpoch
        let (span, overflow) = bucketMilliseconds.multipliedReportingOverflow(by: Int64(buckets))
        let end = overflow ? Int64.max : start &+ span
        return try await writer.read { db in
            var counts = [Int](repeating: 0, count: buckets)
            guard let key = try self.workspaceKey(workspace, db) else { return counts }
            // Grouped in SQL over the arrival index: only one row per bucket comes back.
            var sql = """
                SELECT (received_at - ?) / ?, count(*) FROM events
                WHERE workspace = ? AND received_at >= ? AND received_at < ?
                """
            var arguments: StatementArguments = [start, bucketMilliseconds, key, start, end]
            if let type {
                sql += " AND type = ?"
                arguments += [type.rawValue]
            }
            sql += " GROUP BY 1"
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try rows.next() {
                let bucket: Int = row[0]
                if bucket >= 0, bucket < buckets { counts[bucket] = row[1] }
            }
            return counts
        }
    }

    package func activeUsers(in workspace: WorkspaceID, since: Timestamp) async throws -> Int {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return 0 }
            return try Int.fetchOne(
                db, sql: "SELECT count(*) FROM actors WHERE workspace = ? AND anonymous = 0 AND last_seen >= ?",
                arguments: [key, since.millisecondsSinceEpoch]) ?? 0
        }
    }

    package func recentUsers(in workspace: WorkspaceID, limit: Int) async throws -> [UserID] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try String.fetchAll(
                db,
                sql: "SELECT actor_id FROM actors WHERE workspace = ? AND anonymous = 0 ORDER BY last_seen DESC, actor_id LIMIT ?",
                arguments: [key, max(0, limit)]
            ).map(UserID.init(unchecked:))
        }
    }

    package func topItems(in workspace: WorkspaceID, since: Timestamp, limit: Int) async throws -> [ItemCount] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT item_id, count(*) AS n FROM events
                    WHERE workspace = ? AND received_at >= ? AND item_id IS NOT NULL
                    GROUP BY item_id ORDER BY n DESC, item_id LIMIT ?
                    """,
                arguments: [key, since.millisecondsSinceEpoch, max(0, limit)])
            return rows.map { ItemCount(item: ItemID(unchecked: $0[0]), events: $0[1]) }
        }
    }

    package func recordSegmentSizes(in workspace: WorkspaceID, at time: Timestamp, keepingSince: Timestamp) async throws {
        try await writer.write { db in
            guard let key = try self.workspaceKey(workspace, db) else { return }
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO segment_sizes (workspace, segment_id, at, members)
                    SELECT s.workspace, s.id, ?, (SELECT count(*) FROM segment_memberships m
                                                  WHERE m.workspace = s.workspace AND m.segment_id = s.id)
                    FROM segments s WHERE s.workspace = ?
                    """,
                arguments: [time.millisecondsSinceEpoch, key])
            try db.execute(
                sql: "DELETE FROM segment_sizes WHERE workspace = ? AND at < ?",
                arguments: [key, keepingSince.millisecondsSinceEpoch])
        }
    }

    package func segmentSizes(in workspace: WorkspaceID, since: Timestamp) async throws -> [SegmentID: [SegmentSize]] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [:] }
            var sizes: [SegmentID: [SegmentSize]] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT segment_id, at, members FROM segment_sizes WHERE workspace = ? AND at >= ? ORDER BY at",
                arguments: [key, since.millisecondsSinceEpoch])
            while let row = try rows.next() {
                sizes[SegmentID(unchecked: row[0]), default: []].append(
                    SegmentSize(time: Timestamp(millisecondsSinceEpoch: row[1]), members: row[2]))
            }
            return sizes
        }
    }
}
