import AttuneCore
import AttuneStore

/// Creating and refreshing rule segments, shared by the API and the command line.
package struct SegmentService: Sendable {
    let store: any SegmentStore
    let clock: any WallClock
    /// Users evaluated per transaction by a refresh.
    package static let refreshBatch = 500

    package init(store: any SegmentStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// Stores a rule segment and evaluates every existing user against it, so it starts with its
    /// members (recorded as `segment_entered` events like any later change).
    /// - Throws: `AttuneError` `conflict` for a taken name; storage errors.
    package func create(_ definition: SegmentDefinition, in workspace: WorkspaceID) async throws -> Segment {
        var generator = SystemRandomNumberGenerator()
        let now = clock.now()
        let segment = Segment(
            id: SegmentID.random(using: &generator), name: definition.name, kind: .rule, rule: definition.rule,
            createdAt: now, updatedAt: now)
        try await store.createSegment(segment, in: workspace)
        _ = try await refresh(workspace)
        return segment
    }

    /// Re-evaluates every user now: time-windowed rules (`within:`, `days_since`) change as time
    /// passes even when no event arrives.
    package func refresh(_ workspace: WorkspaceID) async throws -> MembershipChanges {
        try await store.refreshSegments(in: workspace, at: clock.now(), batchSize: Self.refreshBatch)
    }

    /// A segment by id, or by name when no id matches (for the command line).
    package func find(_ idOrName: String, in workspace: WorkspaceID) async throws -> Segment? {
        let all = try await store.segments(in: workspace)
        return all.first { $0.id.rawValue == idOrName } ?? all.first { $0.name == idOrName }
    }
}
