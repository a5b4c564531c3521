import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

struct RetentionPurgeTests {
    @Test func eventsPastTheLimitAreDeletedAndThePurgeIsAudited() async throws {
        let fixture = try await PersonFixture()
        let clock = FixedClock(Fixtures.now.adding(milliseconds: 10 * 86_400_000))
        let total = try await fixture.store.stats(of: .default).events
        // Fixture events are one second apart from Fixtures.now; 10 days on, a 10-day limit cuts
        // none and a 9-day one cuts all.
        #expect(try await RetentionPurge(store: fixture.store, clock: clock, days: 10).run(actor: "cli") == 0)
        #expect(try await fixture.store.auditRecords(after: 0, limit: 10).isEmpty)
        let deleted = try await RetentionPurge(store: fixture.store, clock: clock, days: 9).run(actor: "cli")
        #expect(deleted >= total)
        #expect(try await fixture.store.stats(of: .default).events == 0)
        #expect(try await fixture.store.profile(of: PersonFixture.user, in: .default) != nil, "profiles are not recomputed")
        #expect(try await fixture.store.auditRecords(after: 0, limit: 10).map(\.entry.action) == [.eventsPurged])
        #expect(throws: AttuneError.self) { try RetentionPurge(store: fixture.store, clock: clock, days: 0) }
    }

    @Test func theServicePurgesWhenItStartsAndStopsWhenCancelled() async throws {
        let fixture = try await PersonFixture()
        let clock = FixedClock(Fixtures.now.adding(milliseconds: 10 * 86_400_000))
        let purge = try RetentionPurge(store: fixture.store, clock: clock, days: 1)
        let service = RetentionService(purge: purge, interval: .seconds(3_600), logger: Logger(label: "test"))
        let task = Task { try await service.run() }
        // The audit row is written last: once it is there the purge is complete.
        for _ in 0..<400 {
            if try await !fixture.store.auditRecords(after: 0, limit: 10).isEmpty { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        task.cancel()
        _ = try? await task.value
        #expect(try await fixture.store.stats(of: .default).events == 0)
        #expect(try await fixture.store.auditRecords(after: 0, limit: 10).map(\.entry.actor) == [RetentionService.actor])
    }

    /// The schedule: after the purge at start, each interval purges again, so events that have
    /// aged past the limit since are deleted without a restart.
    @Test func theServicePurgesAgainAtEveryInterval() async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let day: Int64 = 86_400_000
        let clock = FixedClock(Fixtures.now)
        _ = try await store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(1, at: -3 * day), Fixtures.event(2, at: -12 * 3_600_000),
        ])])
        let purge = try RetentionPurge(store: store, clock: clock, days: 1)
        let service = RetentionService(purge: purge, interval: .milliseconds(20), logger: Logger(label: "test"))
        let task = Task { try await service.run() }
        defer { task.cancel() }
        func waitForPurges(_ count: Int) async throws {
            for _ in 0..<800 {
                if try await store.auditRecords(after: 0, limit: 10).count >= count { return }
                try await Task.sleep(for: .milliseconds(25))
            }
        }
        try await waitForPurges(1)
        #expect(try await store.events(in: .default, after: nil, limit: 10).map(\.event.id) == [Fixtures.eventID(2)])
        // A day later the second event is past the limit too; only a later run can see that.
        clock.advance(milliseconds: day)
        try await waitForPurges(2)
        task.cancel()
        _ = try? await task.value
        #expect(try await store.events(in: .default, after: nil, limit: 10).isEmpty)
        let rows = try await store.auditRecords(after: 0, limit: 10)
        #expect(rows.map(\.entry.action) == [.eventsPurged, .eventsPurged])
        #expect(rows.allSatisfy { $0.entry.actor == RetentionService.actor && $0.entry.detail?.hasPrefix("events=1 ") == true })
    }
}
