import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import Logging
import PostgresNIO
import Testing

/// A merged user's refusal of consent becomes the person's, as on SQLite. PostgreSQL has no
/// consent store yet, so the decision is written to its table directly.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresMergeConsentTests {
    @Test func aMergedUsersRefusalOfPersonalizationRemovesThePersonsProfile() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, logger: PostgresTestServer.logger) { store in
                try await store.ensureWorkspace(.default, at: Fixtures.now)
                try await IdentityResolutionStoreConformance.events(store, "a", first: 1, count: 2)
                try await IdentityResolutionStoreConformance.events(store, "b", first: 10, count: 2)
                let refusal = ConsentChoices(personalization: false).encoded
                try await PostgresTestServer.admin(configuration) { connection in
                    try await connection.query(
                        """
                        INSERT INTO consents (workspace, user_id, choices, updated_at)
                        SELECT pk, 'b', \(refusal), 0 FROM workspaces WHERE name = 'default'
                        """, logger: PostgresTestServer.logger)
                }
                let a = UserID(unchecked: "a")
                #expect(try await store.profile(of: a, in: .default)?.traits.eventCount == 2)
                _ = try await store.merge(
                    [a, UserID(unchecked: "b")], canonical: nil, in: .default, actor: "ops", at: Fixtures.now)
                #expect(try await store.profile(of: a, in: .default) == nil)
                #expect(try await Self.choices(of: "a", configuration) == refusal)
                // Events of either id are still logged (analytics is undecided), and build no profile.
                try await IdentityResolutionStoreConformance.events(store, "b", first: 20, count: 1)
                #expect(try await store.events(of: a, in: .default, after: nil, limit: 100).count == 5)
                #expect(try await store.profile(of: a, in: .default) == nil)
            }
        }
    }

    static func choices(of user: String, _ configuration: PostgresConfiguration) async throws -> String? {
        try await PostgresTestServer.admin(configuration) { connection in
            var found: String?
            let rows = try await connection.query(
                "SELECT choices FROM consents WHERE user_id = \(user)", logger: PostgresTestServer.logger)
            for try await choices in rows.decode(String.self) { found = choices }
            return found
        }
    }
}
