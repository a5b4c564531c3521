import AttuneCore
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import Testing

/// The backend-neutral dashboard aggregate checks (shared with PostgreSQL) on SQLite.
struct SQLiteActivityStoreConformanceTests {
    @Test(arguments: ActivityStoreConformance.names)
    func conforms(_ check: String) async throws {
        let store = try SQLiteStore()
        try await ActivityStoreConformance.run(check, on: store, segments: Self.segments(of: store))
    }

    static func segments(of store: SQLiteStore) -> ActivityStoreConformance.Segments {
        ActivityStoreConformance.Segments(
            createSegmentOfEveryone: { id in
                try await store.createSegment(
                    Segment(id: id, name: id.rawValue, kind: .rule, rule: "traits.events > 0", createdAt: Fixtures.now, updatedAt: Fixtures.now),
                    in: .default)
                _ = try await store.refreshSegments(in: .default, at: Fixtures.now, batchSize: 100)
            },
            deleteSegment: { id in _ = try await store.deleteSegment(id, in: .default) })
    }
}
