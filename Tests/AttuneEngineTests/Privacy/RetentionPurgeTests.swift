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
}
