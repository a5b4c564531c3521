import AttuneCore
import AttuneEngine
import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// The engine's erasure (``UserErasure``, which the server and `attune users erase` run) on a
/// PostgreSQL store with published models: the store is handed over as the storage every
/// service takes, `any AttuneStorage`, which PostgresStore is since it keeps personal data too.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresUserErasureTests {
    /// Compiles only while PostgresStore is every storage protocol.
    static func storage(_ store: PostgresStore) -> any AttuneStorage { store }

    /// u3 and u4 are one person (merged), both in the published model. Erasing u4 through one
    /// replica deletes both ids' rows, redacts both from every published version (the other
    /// replica's copies follow from there) and audits the erasure; the other replica reads the
    /// recorded digests. Erasing again finds nothing and writes nothing.
    @Test(.timeLimit(.minutes(5)))
    func theEnginesErasureDeletesThePersonAndRedactsEveryPublishedVersion() async throws {
        try await PostgresModelChannelTests.withTwoReplicas { trainer, replica, trainerFiles, _ in
            var files = trainerFiles
            files.indexMinimumItems = 1_000_000
            let models = PostgresModelStore(store: trainer, chunkSize: PostgresModelMaintenanceTests.chunkSize)
            for version in [1, 2] { try await PostgresModelMaintenanceTests.publish(version, files, models) }
            let store = Self.storage(trainer)
            for (n, user) in [(1, "u3"), (2, "u4"), (3, "u5")] {
                _ = try await store.append([EventBatch(workspace: .default, events: [
                    Fixtures.event(UInt64(n), user: user, item: "i\(n)"),
                ])])
            }
            _ = try await store.merge(
                [UserID(unchecked: "u3"), UserID(unchecked: "u4")], canonical: UserID(unchecked: "u3"), in: .default,
                actor: "ops", at: Fixtures.now)

            let publisher = PostgresModelPublisher(
                models: models, clock: FixedClock(), logger: PostgresTestServer.logger)
            let erasure = UserErasure(
                store: store, clock: FixedClock(), registry: nil, files: files, publisher: publisher)
            let receipt = try #require(
                try await erasure.erase(UserID(unchecked: "u4"), in: .default, actor: "key_test"))
            #expect(receipt.counts.events == 2)
            #expect(receipt.counts.profiles == 1)
            #expect(receipt.modelSnapshots == 2, "both published versions rewritten")
            #expect(receipt.userDigest == UserDigest.hex(UserDigest.of(UserID(unchecked: "u4"))))
            for version in [1, 2] {
                let (snapshot, revision) = try await PostgresModelMaintenanceTests.users(of: version, models)
                #expect(!PostgresModelMaintenanceTests.holds(snapshot, "u3"))
                #expect(!PostgresModelMaintenanceTests.holds(snapshot, "u4"))
                #expect(PostgresModelMaintenanceTests.holds(snapshot, "u5"))
                #expect(revision == 1)
            }
            #expect(try await replica.erasedUserDigests(in: .default)
                == [UserDigest.of(UserID(unchecked: "u3")), UserDigest.of(UserID(unchecked: "u4"))])
            #expect(try await replica.events(of: UserID(unchecked: "u3"), in: .default, after: nil, limit: 10).isEmpty)
            #expect(
                try await replica.events(of: UserID(unchecked: "u5"), in: .default, after: nil, limit: 10).count == 1)
            let audited = try await replica.latestAudit(.userErased)
            #expect(audited?.entry.subject == "sha256:" + receipt.userDigest)

            #expect(try await erasure.erase(UserID(unchecked: "u3"), in: .default, actor: "key_test") == nil)
        }
    }
}
