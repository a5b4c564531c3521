import AttuneCore
@testable import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Logging
import PostgresNIO
import ServiceLifecycle
import Testing

/// What the PostgreSQL consent store does beyond the shared conformance checks: several
/// processes on one database, each answering consent checks from memory.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresConsentTests {
    static let withdrawAnalytics = ConsentUpdate(choices: ConsentChoices(analytics: false))

    /// Whether `condition` holds within `limit`, asked again every few milliseconds.
    static func eventually(within limit: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    /// Two replicas of one database, `b` named so that its backends can be found.
    static func withTwoStores(
        options: PostgresStore.Options = PostgresTestServer.options,
        _ body: (PostgresConfiguration, PostgresStore, PostgresStore) async throws -> Void
    ) async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            var named = configuration
            named.applicationName = "attune-replica-b"
            try await PostgresStore.withStore(configuration, options: options, logger: PostgresTestServer.logger) { a in
                try await PostgresStore.withStore(named, options: options, logger: PostgresTestServer.logger) { b in
                    try await body(configuration, a, b)
                }
            }
        }
    }

    @Test func aDecisionRecordedThroughOneReplicaIsHonouredByAnother() async throws {
        try await Self.withTwoStores { _, a, b in
            try await a.ensureWorkspace(.default, at: Fixtures.now)
            #expect(try b.consentPermits(.analytics, for: "u1", in: .default))
            _ = try await a.recordConsent([(UserID(unchecked: "u1"), Self.withdrawAnalytics)], in: .default, at: Fixtures.now)
            #expect(try a.consentPermits(.analytics, for: "u1", in: .default) == false, "the writer sees its write at once")
            #expect(try await Self.eventually { try b.consentPermits(.analytics, for: "u1", in: .default) == false })
            #expect(try b.consentPermits(.personalization, for: "u1", in: .default), "undecided purposes still follow the policy")
            let appended = try await b.append([
                EventBatch(workspace: .default, events: [Fixtures.event(1, user: "u1"), Fixtures.event(2, user: "u2")])
            ])
            #expect(appended == [AppendResult(inserted: 1, withheld: 1)])

            // The policy travels the same way.
            #expect(try await a.setConsentDefault(.optIn))
            #expect(try await Self.eventually { try b.consentDefault() == .optIn })
            #expect(try b.consentPermits(.analytics, for: "u2", in: .default) == false)
            #expect(try await b.setConsentDefault(.optIn) == false, "already set through the other replica")
        }
    }

    /// A notification can be lost (its connection dies between the commit and the delivery), and
    /// the listening connection can be ended: the comparison of generations still brings the
    /// change, and the listener comes back.
    @Test func aWriteWithoutNotificationAndAKilledListenerAreCaughtUpWith() async throws {
        let quick = PostgresStore.Options(consentRefreshInterval: .milliseconds(200))
        try await Self.withTwoStores(options: quick) { configuration, a, b in
            try await a.ensureWorkspace(.default, at: Fixtures.now)
            _ = try await a.recordConsent([(UserID(unchecked: "u1"), Self.withdrawAnalytics)], in: .default, at: Fixtures.now)
            #expect(try await Self.eventually { try b.consentPermits(.analytics, for: "u1", in: .default) == false })

            // Written as the store writes it, without the notification.
            try await PostgresTestServer.admin(configuration) { connection in
                try await connection.query(
                    """
                    WITH bumped AS (
                        UPDATE consent_generations g SET generation = g.generation + 1
                        FROM workspaces w WHERE w.name = 'default' AND g.workspace = w.pk
                        RETURNING g.workspace, g.generation)
                    INSERT INTO consents (workspace, user_id, choices, updated_at, generation)
                    SELECT workspace, 'u2', '0--', 0, generation FROM bumped
                    """, logger: PostgresTestServer.logger)
            }
            #expect(try await Self.eventually { try b.consentPermits(.analytics, for: "u2", in: .default) == false })

            let terminated = try await PostgresTestServer.admin(configuration) { connection in
                let rows = try await connection.query(
                    """
                    SELECT count(*) FROM (
                        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                        WHERE datname = current_database() AND application_name = 'attune-replica-b'
                          AND query LIKE 'LISTEN%') ended
                    """, logger: PostgresTestServer.logger)
                var count: Int64 = 0
                for try await value in rows.decode(Int64.self) { count = value }
                return count
            }
            #expect(terminated == 1, "b's listening connection")
            _ = try await a.recordConsent([(UserID(unchecked: "u3"), Self.withdrawAnalytics)], in: .default, at: Fixtures.now)
            #expect(try await Self.eventually { try b.consentPermits(.analytics, for: "u3", in: .default) == false })
            #expect(try b.consentPermits(.analytics, for: "u1", in: .default) == false)
            #expect(try b.consentPermits(.analytics, for: "u2", in: .default) == false)
        }
    }

    @Test func aWorkspaceCreatedThroughAnotherReplicaAnswersByThePolicy() async throws {
        try await Self.withTwoStores { _, a, b in
            _ = try await a.setConsentDefault(.optIn)
            #expect(try await Self.eventually { try b.consentDefault() == .optIn })
            let fresh = WorkspaceID(unchecked: "fresh")
            try await a.ensureWorkspace(fresh, at: Fixtures.now)
            #expect(try b.consentPermits(.analytics, for: "u1", in: fresh) == false)
            _ = try await a.recordConsent(
                [(UserID(unchecked: "u1"), ConsentUpdate(choices: ConsentChoices(analytics: true)))], in: fresh, at: Fixtures.now)
            #expect(try await Self.eventually { try b.consentPermits(.analytics, for: "u1", in: fresh) })
            #expect(try await b.consentSnapshot(in: fresh).choices == ["u1": ConsentChoices(analytics: true)])
        }
    }

    /// Two replicas changing different purposes of the same people at once: the workspace's
    /// generation row orders them, so neither change is lost and both memories agree with the database.
    @Test func concurrentWritesThroughTwoReplicasLoseNothing() async throws {
        try await Self.withTwoStores { _, a, b in
            try await a.ensureWorkspace(.default, at: Fixtures.now)
            let people = (0..<5).map { UserID(unchecked: "p\($0)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (store, purpose) in [(a, ConsentPurpose.analytics), (b, .marketing)] {
                    group.addTask {
                        for round in 0..<20 {
                            var choices = ConsentChoices()
                            choices[purpose] = round % 2 == 1
                            for person in people {
                                _ = try await store.recordConsent([(person, ConsentUpdate(choices: choices))], in: .default, at: Fixtures.now)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let expected = ConsentChoices(analytics: true, marketing: true)
            for person in people {
                let record = try #require(try await a.consent(of: person, in: .default))
                #expect(record.choices == expected)
                #expect(record.history.count == 40)
            }
            for store in [a, b] {
                #expect(try await Self.eventually {
                    try people.allSatisfy { try store.consentPermits(.marketing, for: $0.rawValue, in: .default) }
                        && people.allSatisfy { try store.consentPermits(.analytics, for: $0.rawValue, in: .default) }
                })
                #expect(try await store.consentSnapshot(in: .default).choices.count == people.count)
            }
        }
    }

    /// Erasure deletes decisions: its generation bump is marked `clearing`, which makes every
    /// process read the workspace again in full, dropping what was deleted.
    @Test func aDeletionMarkedAsClearingIsDroppedFromEveryMemory() async throws {
        try await Self.withTwoStores { _, a, b in
            try await a.ensureWorkspace(.default, at: Fixtures.now)
            _ = try await a.recordConsent(
                [(UserID(unchecked: "gone"), Self.withdrawAnalytics), (UserID(unchecked: "kept"), Self.withdrawAnalytics)],
                in: .default, at: Fixtures.now)
            #expect(try await Self.eventually { try b.consentPermits(.analytics, for: "gone", in: .default) == false })
            #expect(try await a.erasePerson(
                UserID(unchecked: "gone"), digest: { _ in [1] }, in: .default, at: Fixtures.now) != nil)
            for store in [a, b] {
                #expect(try await Self.eventually { try store.consentPermits(.analytics, for: "gone", in: .default) })
                #expect(try store.consentPermits(.analytics, for: "kept", in: .default) == false)
                #expect(try await store.consentSnapshot(in: .default).choices.keys.sorted() == ["kept"])
            }
        }
    }

    /// Before its decisions are loaded, and once they could not be compared with the database for
    /// longer than allowed, a store refuses to answer rather than guess.
    @Test func checksFailBeforeLoadingAndAfterTheStoreStops() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            let logger = PostgresTestServer.logger
            let options = PostgresStore.Options(consentRefreshInterval: .milliseconds(100), consentMaxStaleness: .seconds(1))
            let store = try PostgresStore(configuration, options: options, logger: logger)
            let early = #expect(throws: AttuneError.self) { try store.consentPermits(.analytics, for: "u1", in: .default) }
            #expect(early?.code == .storage)
            #expect(early?.message.contains("not loaded") == true)
            #expect(throws: AttuneError.self) { try store.consentDefault() }

            let services = ServiceGroup(
                configuration: ServiceGroupConfiguration(services: [.init(service: store)], gracefulShutdownSignals: [], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await services.run() }
                try await store.migrate()
                #expect(try store.consentPermits(.analytics, for: "u1", in: .default), "loaded by migrate")
                await services.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(try await Self.eventually {
                (try? store.consentPermits(.analytics, for: "u1", in: .default)) == nil
            })
            let stale = #expect(throws: AttuneError.self) { try store.consentDefault() }
            #expect(stale?.code == .storage)
            #expect(stale?.message.contains("could not be compared") == true)
        }
    }
}
