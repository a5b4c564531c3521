import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import Logging
import PostgresNIO
import Testing

/// Profiles kept by several `PostgresStore`s on one database, as `attune serve`
/// replicas share it: each store has its own pool.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresProfileReplicaTests {
    /// Two stores on one fresh database, both running.
    func withTwoReplicas(_ body: (PostgresStore, PostgresStore) async throws -> Void) async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, logger: PostgresTestServer.logger) { first in
                try await PostgresStore.withStore(configuration, logger: PostgresTestServer.logger) { second in
                    try await body(first, second)
                }
            }
        }
    }

    @Test func concurrentAppendsThroughTwoReplicasLoseNoProfileUpdate() async throws {
        try await withTwoReplicas { first, second in
            try await ProfileStoreConformance.concurrentProfileUpdates(through: [first, second])
        }
    }

    /// Identify (a refold of the whole profile) racing appends for the same user through the
    /// other replica: whichever commits last starts from the other's result.
    @Test func identifyRacingAppendsThroughAnotherReplicaLosesNoEvent() async throws {
        try await withTwoReplicas { first, second in
            try await first.ensureWorkspace(.default, at: Fixtures.now)
            let user = UserID(unchecked: "u1")
            _ = try await first.append([EventBatch(workspace: .default, events: (1...20).map {
                Fixtures.event(UInt64($0), user: nil, anonymous: "a\($0 % 4)", at: Int64($0))
            })])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for batch in 0..<10 {
                        _ = try await second.append([EventBatch(workspace: .default, events: (0..<5).map {
                            Fixtures.event(UInt64(100 + batch * 5 + $0), user: "u1", at: Int64(100 + batch * 5 + $0))
                        })])
                    }
                }
                group.addTask {
                    for visitor in 0..<4 {
                        try await first.record(
                            Identify(anonymousID: AnonymousID(unchecked: "a\(visitor)"), userID: user, traits: nil, timestamp: Fixtures.now),
                            in: .default)
                    }
                }
                try await group.waitForAll()
            }
            let profile = try #require(try await second.profile(of: user, in: .default))
            #expect(profile.traits.eventCount == 70)
            let history = try await first.profileHistory(of: user, in: .default, before: nil, limit: 100)
            #expect(history.map(\.version) == Array((1...profile.version).reversed()))
        }
    }

    /// What PostgreSQL text cannot hold is refused with the field named, nothing written.
    @Test func nulCharactersAreRefusedBeforeAnythingIsWritten() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            let user = UserID(unchecked: "u1")
            await #expect(throws: AttuneError.self) {
                try await store.record(
                    [Identify(anonymousID: AnonymousID(unchecked: "a1"), userID: user, traits: nil, timestamp: Fixtures.now),
                     Identify(anonymousID: AnonymousID(unchecked: "a\u{0}"), userID: user, traits: nil, timestamp: Fixtures.now)],
                    in: .default)
            }
            #expect(try await store.anonymousIDs(of: user, in: .default).isEmpty)
        }
    }
}
