import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import Logging
import PostgresNIO
import Testing

/// Profiles and segments kept by several `PostgresStore`s on one database, as `attune serve`
/// replicas share it: each store has its own pool and its own rule cache.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresProfileReplicaTests {
    /// Two stores on one fresh database, both running.
    func withTwoReplicas(_ body: (PostgresStore, PostgresStore) async throws -> Void) async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { first in
                try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { second in
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
    /// other replica: whichever commits last starts from the other's result. Without the
    /// workspace lock in identify this fails (two saves of one version: SQLSTATE 23505). Appends
    /// alone would not show it: their counter upsert already serializes them per workspace.
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

    @Test func aSegmentWrittenThroughOneReplicaIsAppliedByTheOthersNextAppend() async throws {
        try await withTwoReplicas { first, second in
            try await first.ensureWorkspace(.default, at: Fixtures.now)
            // The second replica compiles the (empty) rule set first, so it has something to keep.
            _ = try await second.append([EventBatch(workspace: .default, events: [Fixtures.event(1, user: "u1")])])
            try await first.createSegment(try SegmentStoreConformance.ruleSegment("traits.events >= 1"), in: .default)
            _ = try await second.append([EventBatch(workspace: .default, events: [Fixtures.event(2, user: "u2")])])
            let id = SegmentID(unchecked: "seg_buyers")
            #expect(try await first.members(of: id, in: .default, after: nil, limit: 10).map(\.rawValue) == ["u2"])
            #expect(try await SegmentStoreConformance.segmentEvents(second, "u2").map(\.0) == ["segment_entered"])

            #expect(try await first.deleteSegment(id, in: .default))
            _ = try await second.append([EventBatch(workspace: .default, events: [Fixtures.event(3, user: "u3")])])
            #expect(try await second.segments(of: UserID(unchecked: "u3"), in: .default).isEmpty)
            #expect(try await SegmentStoreConformance.segmentEvents(second, "u3").isEmpty)

            // A replacement rule under the same name applies at once too.
            try await first.createSegment(try SegmentStoreConformance.ruleSegment("traits.events >= 2"), in: .default)
            _ = try await second.append([EventBatch(workspace: .default, events: [
                Fixtures.event(4, user: "u3"), Fixtures.event(5, user: "u4"),
            ])])
            #expect(try await second.members(of: id, in: .default, after: nil, limit: 10).map(\.rawValue) == ["u3"])
        }
    }

    @Test func profileMaintenanceCanBeTurnedOff() async throws {
        let options = PostgresStore.Options(maintainsProfiles: false)
        try await PostgresTestServer.withFreshStore(options: options) { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            try await store.createSegment(try SegmentStoreConformance.ruleSegment("traits.events >= 1"), in: .default)
            _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1), Fixtures.event(2, user: nil, anonymous: "a1")])])
            try await store.record(
                Identify(anonymousID: AnonymousID(unchecked: "a1"), userID: UserID(unchecked: "u1"), traits: #"{"a":1}"#, timestamp: Fixtures.now),
                in: .default)
            #expect(try await store.stats(of: .default).events == 2)
            #expect(try await store.profile(of: UserID(unchecked: "u1"), in: .default) == nil)
            #expect(try await store.profileHistory(of: UserID(unchecked: "u1"), in: .default, before: nil, limit: 10).isEmpty)
            #expect(try await store.memberCount(of: SegmentID(unchecked: "seg_buyers"), in: .default) == 0)
            // Links and declarations are still stored.
            #expect(try await store.anonymousIDs(of: UserID(unchecked: "u1"), in: .default).map(\.rawValue) == ["a1"])
            #expect(try await store.traits(of: UserID(unchecked: "u1"), in: .default) == #"{"a":1}"#)
        }
    }

    /// Consent decisions written by the consent store (set here directly): without
    /// personalization a person gets no profile and no membership; without analytics their
    /// membership changes are not logged as events.
    @Test func consentDecidesProfilesMembershipsAndSegmentEvents() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { store in
                try await store.ensureWorkspace(.default, at: Fixtures.now)
                try await store.createSegment(try SegmentStoreConformance.ruleSegment("traits.events >= 1"), in: .default)
                try await PostgresTestServer.admin(configuration) { connection in
                    try await connection.query(
                        """
                        INSERT INTO consents (workspace, user_id, choices, updated_at)
                        SELECT pk, u, c, 0 FROM workspaces, (VALUES ('private', '10-'), ('quiet', '01-')) AS v(u, c)
                        """, logger: PostgresTestServer.logger)
                }
                _ = try await store.append([EventBatch(workspace: .default, events: [
                    Fixtures.event(1, user: "private"), Fixtures.event(2, user: "quiet"), Fixtures.event(3, user: "open"),
                ])])
                let result = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(4, user: "quiet")])])
                // Without analytics consent the event itself is withheld.
                #expect(result == [AppendResult(inserted: 0, duplicates: 0, withheld: 1)])
                #expect(try await store.profile(of: UserID(unchecked: "private"), in: .default) == nil)
                #expect(try await store.segments(of: UserID(unchecked: "private"), in: .default).isEmpty)
                #expect(try await store.profile(of: UserID(unchecked: "open"), in: .default)?.traits.eventCount == 1)
                #expect(try await store.members(of: SegmentID(unchecked: "seg_buyers"), in: .default, after: nil, limit: 10)
                    .map(\.rawValue) == ["open"])
                #expect(try await SegmentStoreConformance.segmentEvents(store, "open").map(\.0) == ["segment_entered"])

                try await store.createSegment(
                    try SegmentStoreConformance.ruleSegment("attributes.vip == true", id: "seg_vip"), in: .default)
                for user in ["quiet", "private"] {
                    try await store.record(
                        Identify(anonymousID: nil, userID: UserID(unchecked: user), traits: #"{"vip":true}"#, timestamp: Fixtures.now),
                        in: .default)
                }
                #expect(try await store.members(of: SegmentID(unchecked: "seg_vip"), in: .default, after: nil, limit: 10)
                    .map(\.rawValue) == ["quiet"])
                #expect(try await store.events(of: UserID(unchecked: "quiet"), in: .default, after: nil, limit: 10).isEmpty)
            }
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
            await #expect(throws: AttuneError.self) {
                try await store.createSegment(try SegmentStoreConformance.ruleSegment("true", name: "bad\u{0}"), in: .default)
            }
            #expect(try await store.segments(in: .default).isEmpty)
        }
    }
}
