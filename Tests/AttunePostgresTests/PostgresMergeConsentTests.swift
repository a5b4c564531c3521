import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import Logging
import PostgresNIO
import Testing

/// A merged user's refusal of consent becomes the person's, as on SQLite: recorded as a consent
/// change with source `merge`, and seen by every replica's consent memory.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresMergeConsentTests {
    @Test(.timeLimit(.minutes(5)))
    func aMergedUsersRefusalOfPersonalizationRemovesThePersonsProfileInEveryReplica() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { store in
                try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { replica in
                    try await store.ensureWorkspace(.default, at: Fixtures.now)
                    try await IdentityResolutionStoreConformance.events(store, "a", first: 1, count: 2)
                    try await IdentityResolutionStoreConformance.events(store, "b", first: 10, count: 2)
                    let a = UserID(unchecked: "a")
                    let b = UserID(unchecked: "b")
                    let refusal = ConsentChoices(personalization: false)
                    _ = try await store.recordConsent(
                        [(b, ConsentUpdate(choices: refusal, source: "api"))], in: .default, at: Fixtures.now)
                    #expect(try await store.profile(of: a, in: .default)?.traits.eventCount == 2)
                    try await Self.eventually { try replica.consentPermits(.personalization, for: "a", in: .default) }
                    _ = try await store.merge([a, b], canonical: nil, in: .default, actor: "ops", at: Fixtures.now)
                    #expect(try await store.profile(of: a, in: .default) == nil)
                    #expect(try await Self.choices(of: "a", configuration) == refusal.encoded)
                    #expect(try await Self.history(of: "a", configuration) == [refusal.encoded + "/merge"])
                    // The other replica's synchronous check hears of it (the generation moved).
                    try await Self.eventually { try !replica.consentPermits(.personalization, for: "a", in: .default) }
                    // Events of either id are still logged (analytics is undecided), and build no profile.
                    try await IdentityResolutionStoreConformance.events(replica, "b", first: 20, count: 1)
                    #expect(try await store.events(of: a, in: .default, after: nil, limit: 100).count == 5)
                    #expect(try await store.profile(of: a, in: .default) == nil)
                }
            }
        }
    }

    /// Waits up to 20 s for `condition`.
    static func eventually(_ condition: () throws -> Bool) async throws {
        let start = ContinuousClock.now
        while try !condition() {
            guard ContinuousClock.now - start < .seconds(20) else {
                Issue.record("not within 20 s")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func history(of user: String, _ configuration: PostgresConfiguration) async throws -> [String] {
        try await PostgresTestServer.admin(configuration) { connection in
            var found: [String] = []
            let rows = try await connection.query(
                "SELECT choices, source FROM consent_history WHERE user_id = \(user) ORDER BY seq",
                logger: PostgresTestServer.logger)
            for try await (choices, source) in rows.decode((String, String).self) { found.append(choices + "/" + source) }
            return found
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
