import AttuneCore
import AttunePostgres
import AttuneTestSupport
import PostgresNIO
import Testing

/// Segment sizes recorded by one replica's sweep while another deletes segments.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresSegmentSizeTests {
    @Test func recordingSizesWhileSegmentsAreDeletedNeitherFailsNorKeepsTheirSizes() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            let segments = 60
            try await PostgresTestServer.admin(store.configuration) { connection in
                try await connection.query(
                    """
                    INSERT INTO segments (workspace, id, name, kind, created_at, updated_at)
                    SELECT pk, 'seg' || g, 'seg' || g, 'rule', 0, 0 FROM workspaces, generate_series(1, \(segments)) g
                    WHERE name = 'default'
                    """, logger: PostgresTestServer.logger)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await PostgresTestServer.admin(store.configuration) { connection in
                        for n in 1...segments {
                            try await connection.query("DELETE FROM segments WHERE id = \("seg\(n)")", logger: PostgresTestServer.logger)
                        }
                    }
                }
                group.addTask {
                    for n in 0..<200 {
                        let time = Fixtures.now.adding(milliseconds: Int64(n))
                        try await store.recordSegmentSizes(in: .default, at: time, keepingSince: Timestamp(millisecondsSinceEpoch: 0))
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.segmentSizes(in: .default, since: Timestamp(millisecondsSinceEpoch: 0)).isEmpty)
        }
    }
}
