import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Logging
import PostgresNIO
import Testing

/// What the PostgreSQL event store does beyond the shared conformance checks.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresEventStoreTests {
    @Test(arguments: ["properties", "context", "itemId"])
    func textPostgresCannotHoldIsRefusedNamingTheFieldAndNothingIsStored(_ field: String) async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            var bad = Fixtures.event(2)
            switch field {
            case "properties": bad.properties = "{\"a\":\"x\u{0}y\"}"
            case "context": bad.context = "\u{0}"
            default: bad.itemID = ItemID(unchecked: "i\u{0}")
            }
            let error = await #expect(throws: AttuneError.self) {
                try await store.append([
                    EventBatch(workspace: .default, events: [Fixtures.event(1)]),
                    EventBatch(workspace: .default, events: [bad]),
                ])
            }
            #expect(error?.code == .invalidValue)
            #expect(error?.field == "batches[1].events[0].\(field)")
            #expect(try await store.stats(of: .default).events == 0)
        }
    }

    @Test func appendsWithholdTheEventsOfPeopleWithoutAnalyticsConsent() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { store in
                try await store.ensureWorkspace(.default, at: Fixtures.now)
                // Decisions as the consent store writes them: analytics first (`0` refused, `1` granted).
                try await PostgresTestServer.admin(configuration) { connection in
                    try await connection.query(
                        """
                        INSERT INTO consents (workspace, user_id, choices, updated_at)
                        SELECT pk, v.user_id, v.choices, 0 FROM workspaces,
                            (VALUES ('refuser', '0--'), ('granter', '1--'), ('a-refuser', '01-')) AS v(user_id, choices)
                        WHERE name = 'default'
                        """, logger: PostgresTestServer.logger)
                }
                let events = [
                    Fixtures.event(1, user: "refuser"), Fixtures.event(2, user: "granter"), Fixtures.event(3, user: "undecided"),
                    Fixtures.event(4, user: nil, anonymous: "a-refuser"), Fixtures.event(5, user: nil, anonymous: nil),
                ]
                #expect(try await store.append([EventBatch(workspace: .default, events: events)]) == [
                    AppendResult(inserted: 3, duplicates: 0, withheld: 2),
                ])
                #expect(try await store.event(id: Fixtures.eventID(1), in: .default) == nil)
                #expect(try await store.event(id: Fixtures.eventID(4), in: .default) == nil)

                // Under opt-in, the undecided are withheld too; events naming nobody are kept.
                try await PostgresTestServer.admin(configuration) { connection in
                    try await connection.query("INSERT INTO consent_policy (id, policy) VALUES (1, 'opt-in')", logger: PostgresTestServer.logger)
                }
                let later = [Fixtures.event(11, user: "granter"), Fixtures.event(12, user: "undecided"), Fixtures.event(13, user: nil, anonymous: nil)]
                #expect(try await store.append([EventBatch(workspace: .default, events: later)]) == [
                    AppendResult(inserted: 2, duplicates: 0, withheld: 1),
                ])
                let stats = try await store.stats(of: .default)
                #expect(stats.events == 5)
                #expect(stats.withheldEvents == 3)
                #expect(stats.users == 2)
            }
        }
    }

    /// The identity store is not on PostgreSQL yet; the link is written as it will write it, and
    /// the reads must then include the anonymous activity, as on SQLite.
    @Test func userReadsIncludeLinkedAnonymousActivity() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { store in
                try await store.ensureWorkspace(.default, at: Fixtures.now)
                try await store.ensureWorkspace(WorkspaceID(unchecked: "other"), at: Fixtures.now)
                _ = try await store.append([EventBatch(workspace: .default, events: [
                    Fixtures.event(1, user: nil, anonymous: "a1", item: "i1", at: 1),
                    Fixtures.event(2, user: "u1", item: "i2", at: 2),
                    Fixtures.event(3, user: "u2", item: "i3", at: 3),
                    Fixtures.event(4, user: "u1", item: nil, at: 4),
                    Fixtures.event(5, user: nil, anonymous: "a2", item: "i5", at: 5),
                    // Another user signed in on the linked device: the log reads count it for
                    // u1 too, as on SQLite (only u1's own events are not read twice).
                    Fixtures.event(6, user: "u2", anonymous: "a1", item: "i6", at: 6),
                ])])
                try await PostgresTestServer.admin(configuration) { connection in
                    try await connection.query(
                        """
                        INSERT INTO identities (workspace, anonymous_id, user_id, linked_at)
                        SELECT pk, 'a1', 'u1', 0 FROM workspaces WHERE name = 'default'
                        """, logger: PostgresTestServer.logger)
                }
                let user = UserID(unchecked: "u1")
                let all = try await store.events(of: user, in: .default, after: nil, limit: 10)
                #expect(all.map(\.event.id) == [1, 2, 4, 6].map(Fixtures.eventID))
                let page = try await store.events(of: user, in: .default, after: all[0].sequence, limit: 2)
                #expect(page.map(\.event.id) == [2, 4].map(Fixtures.eventID))
                let recent = try await store.recentEvents(of: user, in: .default, limit: 2).map(\.event.id)
                #expect(recent == [4, 6].map(Fixtures.eventID))
                let items = try await store.recentItems(of: user, in: .default, limit: 5).map(\.rawValue)
                #expect(items == ["i1", "i2", "i6"])
                #expect(try await store.events(of: user, in: WorkspaceID(unchecked: "other"), after: nil, limit: 10).isEmpty)
            }
        }
    }

    @Test func appendsNamingTheSameWorkspacesInOppositeOrdersDoNotDeadlock() async throws {
        try await PostgresTestServer.withFreshStore { store in
            let a = WorkspaceID(unchecked: "a")
            let b = WorkspaceID(unchecked: "b")
            try await store.ensureWorkspace(a, at: Fixtures.now)
            try await store.ensureWorkspace(b, at: Fixtures.now)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        for round in 0..<10 {
                            let events = (0..<20).map { Fixtures.event(UInt64(writer * 1_000 + round * 20 + $0)) }
                            let order = writer % 2 == 0 ? [a, b] : [b, a]
                            _ = try await store.append(order.map { EventBatch(workspace: $0, events: events) })
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.stats(of: a).events == 800)
            #expect(try await store.stats(of: b).events == 800)
        }
    }
}
