import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import Logging
import PostgresNIO
import Testing

/// Merges through one `PostgresStore` and appends through another on the same database, as two
/// `attune serve` replicas share it: each store has its own pool and sees the other's merges
/// only through the database.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresIdentityResolutionReplicaTests {
    typealias Conformance = IdentityResolutionStoreConformance

    func withTwoReplicas(_ body: (PostgresConfiguration, PostgresStore, PostgresStore) async throws -> Void)
        async throws
    {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { first in
                try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { second in
                    try await body(configuration, first, second)
                }
            }
        }
    }

    /// The number of stored events of `workspace` whose user column is `user` and of those that
    /// arrived for `original`: what no store method reads.
    static func count(_ configuration: PostgresConfiguration, user: String, original: String? = nil) async throws
        -> Int
    {
        try await PostgresTestServer.admin(configuration) { connection in
            let rows = try await connection.query(
                """
                SELECT count(*) FROM events WHERE user_id = \(user)
                AND (\(original)::text IS NULL OR original_user_id = \(original))
                """, logger: PostgresTestServer.logger)
            var count = 0
            for try await value in rows.decode(Int64.self) { count = Int(value) }
            return count
        }
    }

    @Test func aMergeCommittedThroughOneReplicaAppliesToTheNextAppendThroughTheOther() async throws {
        try await withTwoReplicas { configuration, first, second in
            try await first.ensureWorkspace(.default, at: Fixtures.now)
            try await Conformance.events(second, "a", first: 1, count: 2)
            try await Conformance.events(second, "b", first: 10, count: 2)
            let outcome = try await first.merge(
                [UserID(unchecked: "a"), UserID(unchecked: "b")], canonical: nil, in: .default, actor: "ops",
                at: Fixtures.now)
            #expect(outcome.canonical == UserID(unchecked: "a"))
            // The second replica never saw the merge, except through the database.
            try await Conformance.events(second, "b", first: 20, count: 3)
            #expect(try await second.events(of: UserID(unchecked: "b"), in: .default, after: nil, limit: 100).isEmpty)
            #expect(try await Self.count(configuration, user: "a", original: "b") == 5)
            #expect(try await Self.count(configuration, user: "b") == 0)
            // Folded once: each event counted, one version per change.
            let profile = try #require(try await second.profile(of: UserID(unchecked: "a"), in: .default))
            #expect(profile.traits.eventCount == 7)
            let history = try await first.profileHistory(
                of: UserID(unchecked: "a"), in: .default, before: nil, limit: 100)
            #expect(history.map(\.cause) == [.event, .merge, .event])
            #expect(history.map(\.version) == [3, 2, 1])
            #expect(try await second.profile(of: UserID(unchecked: "b"), in: .default) == nil)
            #expect(try await second.canonicalUser(of: UserID(unchecked: "b"), in: .default) == UserID(unchecked: "a"))
            #expect(try await second.stats(of: .default).users == 1)
        }
    }

    /// Appends of the merged id through one replica racing the merge through the other: whichever
    /// commits first, every event ends on the canonical user and in its profile exactly once.
    @Test func appendsRacingAMergeThroughAnotherReplicaLoseAndDoubleNothing() async throws {
        try await withTwoReplicas { configuration, first, second in
            try await first.ensureWorkspace(.default, at: Fixtures.now)
            try await Conformance.events(first, "a", first: 1, count: 2)
            try await Conformance.events(first, "b", first: 10, count: 1)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for batch in 0..<10 {
                        try await Conformance.events(second, "b", first: UInt64(100 + batch * 5), count: 5)
                    }
                }
                group.addTask {
                    _ = try await first.merge(
                        [UserID(unchecked: "b"), UserID(unchecked: "a")], canonical: nil, in: .default, actor: "ops",
                        at: Fixtures.now)
                }
                try await group.waitForAll()
            }
            #expect(try await Self.count(configuration, user: "b") == 0)
            #expect(try await Self.count(configuration, user: "a", original: "b") == 51)
            let stored = try await first.events(of: UserID(unchecked: "a"), in: .default, after: nil, limit: 1_000)
            #expect(stored.count == 53)
            let profile = try #require(try await second.profile(of: UserID(unchecked: "a"), in: .default))
            #expect(profile.traits.eventCount == 53)
            let history = try await first.profileHistory(
                of: UserID(unchecked: "a"), in: .default, before: nil, limit: 100)
            #expect(history.map(\.version) == Array((1...profile.version).reversed()))
            #expect(history.filter { $0.cause == .merge }.count == 1)
        }
    }

    /// Identifiers attached through both replicas at once for users sharing one: they become one
    /// person, with one merge, whichever attach commits first.
    @Test func concurrentAttachesThroughTwoReplicasMakeOnePerson() async throws {
        try await withTwoReplicas { _, first, second in
            try await first.ensureWorkspace(.default, at: Fixtures.now)
            let shared = PersonIdentifier(kind: .email, value: "e-shared")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (store, user) in [(first, "x"), (second, "y")] {
                    group.addTask {
                        _ = try await store.attach(
                            [(UserID(unchecked: user), [shared])], source: "test", in: .default, actor: "t",
                            at: Fixtures.now)
                    }
                }
                try await group.waitForAll()
            }
            let both = [UserID(unchecked: "x"), UserID(unchecked: "y")]
            let merges = try await second.merges(involving: both, in: .default)
            #expect(merges.count == 1)
            let canonical = try await first.canonicalUser(of: UserID(unchecked: "y"), in: .default)
            #expect(try await first.canonicalUser(of: UserID(unchecked: "x"), in: .default) == canonical)
            #expect(try await second.identifiers(of: both, in: .default).count == 1)
        }
    }
}
