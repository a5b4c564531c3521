import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// Not a check: prints how long erasing one heavy person and purging the log take on PostgreSQL,
/// when `ATTUNE_POSTGRES_BENCH` is set. An erasure is one transaction under the store's
/// operation deadline (10 s by default), so its time per event bounds the person it can erase.
/// Measured on a 2-vCPU machine loaded by other builds (load average 12), PostgreSQL 15 on the same
/// machine: 20,000 events of one person (2,000 as a linked visitor) among 120,000 erased in
/// 0.10 s; the purge of the 66,650 older than 30 days, in batches of 1,000, 5.85 s.
@Suite(.serialized, .enabled(if: PostgresTestServer.isConfigured && ProcessInfo.processInfo.environment["ATTUNE_POSTGRES_BENCH"] != nil))
struct PostgresErasureTime {
    static let others = 100_000
    static let personEvents = 20_000

    @Test func eraseAPersonOfTwentyThousandEventsAmongAHundredThousandThenPurgeTheLog() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            // Every sixth event is the person's (a tenth of those as their visitor), the rest are
            // 1,000 other users', over 90 days.
            var events: [Event] = []
            for index in 0..<(Self.others + Self.personEvents) {
                let mine = index % 6 == 0
                let visitor = mine && (index / 6) % 10 == 0
                events.append(Fixtures.event(
                    UInt64(index + 1), user: mine ? (visitor ? nil : "heavy") : "u\(index % 1_000)",
                    anonymous: visitor ? "heavy-visitor" : nil, item: "i\(index % 500)",
                    at: -Int64(index % 90) * 86_400_000))
                if events.count == 2_000 {
                    _ = try await store.append([EventBatch(workspace: .default, events: events)])
                    events.removeAll(keepingCapacity: true)
                }
            }
            _ = try await store.append([EventBatch(workspace: .default, events: events)])
            try await store.record(
                Identify(anonymousID: AnonymousID(unchecked: "heavy-visitor"), userID: UserID(unchecked: "heavy"),
                         traits: #"{"plan":"pro"}"#, timestamp: Fixtures.now),
                in: .default)
            let total = try await store.stats(of: .default).events
            let clock = ContinuousClock()
            var started = clock.now
            let erased = try #require(try await store.erasePerson(
                UserID(unchecked: "heavy"), digest: { _ in [1] }, in: .default, at: Fixtures.now))
            let erasure = clock.now - started
            started = clock.now
            let purged = try await store.purgeEvents(
                olderThan: Fixtures.now.adding(milliseconds: -30 * 86_400_000), batchSize: 1_000)
            let purge = clock.now - started
            print("""
                postgres erasure: \(erased.counts.events) events of one person among \(total) erased in \
                \(Self.seconds(erasure)) s; purge: \(purged) events in batches of 1,000 in \(Self.seconds(purge)) s
                """)
        }
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.2f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
