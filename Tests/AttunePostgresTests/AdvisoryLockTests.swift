import AttuneCore
@testable import AttunePostgres
import AttuneStore
import Testing

struct AdvisoryLockTests {
    /// Two uses of one key wait for each other: the consent policy once shared the leader's key.
    @Test func everyKeyAndNamespaceIsDistinct() {
        #expect(Set(AdvisoryLock.singleKeys).count == AdvisoryLock.singleKeys.count)
        #expect(Set(AdvisoryLock.namespaces).count == AdvisoryLock.namespaces.count)
    }
}

@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresLockIndependenceTests {
    /// While a worker leads (holding its session lock for as long as it leads), the consent
    /// policy can still be changed: with the shared key this waited out its deadline every time.
    @Test(.timeLimit(.minutes(5)))
    func theConsentPolicyChangesWhileAWorkerLeads() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            // The old shared key made the change wait out its deadline every time, however long.
            // The deadline and the consent staleness (the shared test options') are generous so
            // that a test run starving the store's background comparisons cannot fail this check.
            let options = PostgresStore.Options(
                attempts: 1, operationTimeout: .seconds(20),
                consentMaxStaleness: PostgresTestServer.options.consentMaxStaleness)
            try await PostgresStore.withStore(configuration, options: options, logger: PostgresTestServer.logger) { store in
                let election = PostgresLeaderElection(configuration, logger: PostgresTestServer.logger)
                let term = try #require(try await election.tryAcquire())
                // Released on every path: a term dropped unreleased leaves its connection open.
                let changed: Result<Bool, any Error>
                do { changed = .success(try await store.setConsentDefault(.optIn)) } catch { changed = .failure(error) }
                await term.release()
                #expect(try changed.get())
                #expect(try store.consentDefault() == .optIn)
            }
        }
    }
}
