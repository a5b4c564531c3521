import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

/// The dashboard's aggregates, grouped by the server so that only one row per bucket, user or
/// item comes back. The arrival windows are ranges of `events_by_arrival`, the users reads
/// ranges of `actors`' primary key: a chart's cost grows with its window, never with the log.
extension PostgresStore: ActivityStore {
    package func arrivals(
        in workspace: WorkspaceID, from: Timestamp, bucketMilliseconds: Int64, buckets: Int, type: EventType?
    ) async throws -> [Int] {
        guard buckets > 0, bucketMilliseconds > 0 else { return [] }
        let start = from.millisecondsSinceEpoch
        let (span, overflow) = bucketMilliseconds.multipliedReportingOverflow(by: Int64(buckets))
        let end = overflow ? Int64.max : start &+ span
        return try await read("count arrivals") { [self] connection, logger in
            var counts = [Int](repeating: 0, count: buckets)
            guard let key = try await workspaceKey(workspace, connection, logger) else { return counts }
            // `received_at >= start`, so the division truncates as SQLite's does (toward zero).
            let rows: PostgresRowSequence
            if let type {
                rows = try await connection.query(
                    """
                    SELECT (received_at - \(start)) / \(bucketMilliseconds), count(*) FROM events
                    WHERE workspace = \(key) AND received_at >= \(start) AND received_at < \(end) AND type = \(type.rawValue)
                    GROUP BY 1
                    """, logger: logger)
            } else {
                rows = try await connection.query(
                    """
                    SELECT (received_at - \(start)) / \(bucketMilliseconds), count(*) FROM events
                    WHERE workspace = \(key) AND received_at >= \(start) AND received_at < \(end)
                    GROUP BY 1
                    """, logger: logger)
            }
            for try await (bucket, count) in rows.decode((Int64, Int64).self) where bucket >= 0 && bucket < buckets {
                counts[Int(bucket)] = Int(count)
            }
            return counts
        }
    }

    package func activeUsers(in workspace: WorkspaceID, since: Timestamp) async throws -> Int {
        try await read("count active users") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return 0 }
            let rows = try await connection.query(
                """
                SELECT count(*) FROM actors
                WHERE workspace = \(key) AND NOT anonymous AND last_seen >= \(since.millisecondsSinceEpoch)
                """, logger: logger)
            var count: Int64 = 0
            for try await n in rows.decode(Int64.self) { count = n }
            return Int(count)
        }
    }

    package func recentUsers(in workspace: WorkspaceID, limit: Int) async throws -> [UserID] {
        try await read("list recent users") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            // Ties in byte order, as SQLite sorts, whatever the database's locale.
            let rows = try await connection.query(
                """
                SELECT actor_id FROM actors WHERE workspace = \(key) AND NOT anonymous
                ORDER BY last_seen DESC, actor_id COLLATE "C" LIMIT \(Int64(max(0, limit)))
                """, logger: logger)
            var users: [UserID] = []
            for try await id in rows.decode(String.self) { users.append(UserID(unchecked: id)) }
            return users
        }
    }

    package func topItems(in workspace: WorkspaceID, since: Timestamp, limit: Int) async throws -> [ItemCount] {
        try await read("list top items") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT item_id, count(*) AS n FROM events
                WHERE workspace = \(key) AND received_at >= \(since.millisecondsSinceEpoch) AND item_id IS NOT NULL
                GROUP BY item_id ORDER BY n DESC, item_id COLLATE "C" LIMIT \(Int64(max(0, limit)))
                """, logger: logger)
            var items: [ItemCount] = []
            for try await (item, count) in rows.decode((String, Int64).self) {
                items.append(ItemCount(item: ItemID(unchecked: item), events: Int(count)))
            }
            return items
        }
    }

    package func recordSegmentSizes(in workspace: WorkspaceID, at time: Timestamp, keepingSince: Timestamp) async throws {
        try await transaction("record segment sizes") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return }
            // FOR KEY SHARE: a segment deleted meanwhile (by another replica) is skipped rather
            // than failing the foreign key check, and one deleted after waits for this record,
            // whose rows it then takes with it.
            try await connection.query(
                """
                INSERT INTO segment_sizes (workspace, segment_id, at, members)
                SELECT s.workspace, s.id, \(time.millisecondsSinceEpoch),
                       (SELECT count(*) FROM segment_memberships m WHERE m.workspace = s.workspace AND m.segment_id = s.id)
                FROM segments s WHERE s.workspace = \(key)
                FOR KEY SHARE OF s
                ON CONFLICT (workspace, segment_id, at) DO UPDATE SET members = excluded.members
                """, logger: logger)
            try await connection.query(
                "DELETE FROM segment_sizes WHERE workspace = \(key) AND at < \(keepingSince.millisecondsSinceEpoch)",
                logger: logger)
        }
    }

    package func segmentSizes(in workspace: WorkspaceID, since: Timestamp) async throws -> [SegmentID: [SegmentSize]] {
        try await read("read segment sizes") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [:] }
            let rows = try await connection.query(
                """
                SELECT segment_id, at, members FROM segment_sizes
                WHERE workspace = \(key) AND at >= \(since.millisecondsSinceEpoch) ORDER BY at
                """, logger: logger)
            var sizes: [SegmentID: [SegmentSize]] = [:]
            for try await (segment, at, members) in rows.decode((String, Int64, Int64).self) {
                sizes[SegmentID(unchecked: segment), default: []].append(
                    SegmentSize(time: Timestamp(millisecondsSinceEpoch: at), members: Int(members)))
            }
            return sizes
        }
    }
}
