import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Foundation
import PostgresNIO
import Testing

/// Not a check: prints how fast the key rotation rewrites declared traits on PostgreSQL, and so
/// how long each page holds the workspace's append lock, when `ATTUNE_POSTGRES_BENCH` is set (and
/// a server is configured). The rewrite here is a string replacement; a real one decrypts and
/// encrypts each value, which adds its own cost per text. No threshold: the figure depends on the
/// machine and the server's settings.
@Suite(.serialized, .enabled(if: PostgresTestServer.isConfigured && ProcessInfo.processInfo.environment["ATTUNE_POSTGRES_BENCH"] != nil))
struct PostgresKeyRotationThroughput {
    @Test(arguments: [100, 500, 2_000])
    func textsRewrittenPerSecond(_ batchSize: Int) async throws {
        let users = 50_000
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            // Two sources per user and the resolved traits, written directly: seeding through
            // identify would take longer than the rewrite.
            try await PostgresTestServer.admin(store.configuration) { connection in
                try await connection.query(
                    """
                    INSERT INTO declared_sources (workspace, user_id, source, traits, first_at, updated_at)
                    SELECT w.pk, 'u' || lpad(g::text, 6, '0'), s, '{"' || s || '":"old-0123456789abcdef0123456789abcdef"}', 0, 0
                    FROM workspaces w, generate_series(1, \(users)) g, unnest(ARRAY['api', 'crm']) s
                    """, logger: PostgresTestServer.logger)
                try await connection.query(
                    """
                    INSERT INTO user_traits (workspace, user_id, traits, updated_at)
                    SELECT w.pk, 'u' || lpad(g::text, 6, '0'),
                           '{"api":"old-0123456789abcdef0123456789abcdef","crm":"old-0123456789abcdef0123456789abcdef"}', 0
                    FROM workspaces w, generate_series(1, \(users)) g
                    """, logger: PostgresTestServer.logger)
                try await connection.query("ANALYZE", logger: PostgresTestServer.logger)
            }
            let clock = ContinuousClock()
            let start = clock.now
            let counts = try await store.rewriteDeclaredTraits(in: .default, batchSize: batchSize) { text in
                text.contains("old-") ? text.replacingOccurrences(of: "old-", with: "new-") : nil
            }
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let texts = counts.users + counts.declarations
            #expect(texts == 3 * users)
            let pages = (3 * users + batchSize - 1) / batchSize
            print(
                "postgres key rotation: \(texts) texts in pages of \(batchSize): \(String(format: "%.2f", seconds)) s = "
                    + "\(Int(Double(texts) / seconds)) texts/s, \(String(format: "%.1f", seconds / Double(pages) * 1000)) ms per page")
        }
    }
}
