import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

/// The retention limit on the event log.
extension PostgresStore {
    /// One pass over the log in `seq` order, across every workspace, a batch per transaction as
    /// on SQLite. Each batch takes the append locks of the workspaces it touches (in key order,
    /// as appends do) before deleting and lowering their event counters: an append to one of
    /// them waits for one batch at most, and no update of a counter is lost between the two.
    ///
    /// Events appended while the pass runs with a `seq` below its cursor (committed late, in
    /// another workspace) and a time before the cutoff are left for the next purge. A batch whose
    /// COMMIT answer was lost is replayed: it deletes nothing more, but its events are then not
    /// in the count returned.
    package func purgeEvents(olderThan time: Timestamp, batchSize: Int) async throws -> Int {
        let limit = Int64(max(1, batchSize))
        let cutoff = time.millisecondsSinceEpoch
        let entered = SegmentEvents.entered.rawValue
        let left = SegmentEvents.left.rawValue
        var total = 0
        var cursor: Int64 = 0
        while true {
            let after = cursor
            let batch = try await transaction("purge events") {
                connection, logger -> (found: Int, deleted: Int, last: Int64?) in
                var sequences: [Int64] = []
                var workspaces: Set<Int64> = []
                let rows = try await connection.query(
                    """
                    SELECT seq, workspace FROM events WHERE seq > \(after) AND ts < \(cutoff)
                    ORDER BY seq LIMIT \(limit)
                    """, logger: logger)
                for try await (seq, workspace) in rows.decode((Int64, Int64).self) {
                    sequences.append(seq)
                    workspaces.insert(workspace)
                }
                guard let last = sequences.last else { return (0, 0, nil) }
                for key in workspaces.sorted() { try await Self.lockWorkspace(key, connection, logger) }
                // Rows erased since they were read are simply not there to delete.
                let deleted = try await connection.query(
                    """
                    WITH gone AS (
                        DELETE FROM events WHERE seq = ANY(\(sequences)::int8[]) RETURNING workspace, type
                    ),
                    per_workspace AS (
                        SELECT workspace, count(*) FILTER (WHERE type NOT IN (\(entered), \(left))) AS appended
                        FROM gone GROUP BY workspace
                    ),
                    counted AS (
                        UPDATE workspace_counters c SET events = greatest(0, c.events - p.appended)
                        FROM per_workspace p WHERE c.workspace = p.workspace AND p.appended > 0
                    )
                    SELECT count(*) FROM gone
                    """, logger: logger)
                var count = 0
                for try await value in deleted.decode(Int64.self) { count = Int(value) }
                return (sequences.count, count, last)
            }
            total += batch.deleted
            // A short batch was the last one, as on SQLite.
            guard let last = batch.last, batch.found == Int(limit) else { break }
            cursor = last
        }
        return total
    }
}
