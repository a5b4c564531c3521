import AttuneCore

/// One recorded size of a segment.
package struct SegmentSize: Sendable, Equatable {
    package var time: Timestamp
    package var members: Int

    package init(time: Timestamp, members: Int) {
        self.time = time
        self.members = members
    }
}

/// How many events an item was named in.
package struct ItemCount: Sendable, Equatable {
    package var item: ItemID
    package var events: Int

    package init(item: ItemID, events: Int) {
        self.item = item
        self.events = events
    }
}

/// Aggregates of recent activity for the operator's dashboard, computed by the store so that a
/// page never pulls raw events into memory.
package protocol ActivityStore: Sendable {
    /// Events that arrived in each of `buckets` consecutive intervals of `bucketMilliseconds`,
    /// the first starting at `from`; only events of `type` when one is given.
    /// - Returns: exactly `buckets` counts, oldest first.
    func arrivals(
        in workspace: WorkspaceID, from: Timestamp, bucketMilliseconds: Int64, buckets: Int, type: EventType?
    ) async throws -> [Int]

    /// Signed-in users whose latest event happened at or after `since` (event time).
    func activeUsers(in workspace: WorkspaceID, since: Timestamp) async throws -> Int

    /// The signed-in users seen most recently (event time), newest first.
    func recentUsers(in workspace: WorkspaceID, limit: Int) async throws -> [UserID]

    /// The items named by most events that arrived at or after `since`, most first (ties by id).
    func topItems(in workspace: WorkspaceID, since: Timestamp, limit: Int) async throws -> [ItemCount]

    /// Records every segment's current member count at `time`, and forgets records older than
    /// `keepingSince`. The segment sweep calls it, so that sizes over time can be drawn.
    func recordSegmentSizes(in workspace: WorkspaceID, at time: Timestamp, keepingSince: Timestamp) async throws

    /// Recorded sizes at or after `since`, per segment, oldest first.
    func segmentSizes(in workspace: WorkspaceID, since: Timestamp) async throws -> [SegmentID: [SegmentSize]]
}
