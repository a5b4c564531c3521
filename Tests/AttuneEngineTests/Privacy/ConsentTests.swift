import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

struct ConsentTests {
    static let withdraw = ConsentUpdate(choices: ConsentChoices(personalization: false), source: "api")
    static let grant = ConsentUpdate(choices: ConsentChoices(personalization: true), source: "api")

    @Test func withdrawingPersonalizationTakesThePersonOutOfProfilesSegmentsTheServedModelAndTraining() async throws {
        let fixture = try await PersonFixture()
        try await fixture.train()
        let registry = ModelRegistry(files: fixture.files, logger: Logger(label: "test"))
        registry.refresh()
        let user = PersonFixture.user
        #expect(registry.model(for: .default)?.snapshot.users.index(of: user.rawValue) != nil)
        #expect(try await fixture.store.profile(of: user, in: .default) != nil)
        #expect(try await fixture.store.segments(of: user, in: .default) == [PersonFixture.segment])

        let service = ConsentService(store: fixture.store, clock: FixedClock(), registry: registry)
        let record = try await service.update(Self.withdraw, of: user, in: .default, actor: "key_test")
        #expect(record.choices == ConsentChoices(personalization: false))
        #expect(try await fixture.store.profile(of: user, in: .default) == nil)
        #expect(try await fixture.store.segments(of: user, in: .default).isEmpty)
        #expect(try await fixture.store.members(of: PersonFixture.segment, in: .default, after: nil, limit: 100).contains(user) == false)
        #expect(registry.model(for: .default)?.snapshot.users.index(of: user.rawValue) == nil, "the served vector is dropped at once")
        #expect(registry.model(for: .default)?.snapshot.users.index(of: "a1") != nil, "other people keep theirs")

        // New events are still stored (analytics is allowed) but fold into nothing personal.
        let later = Fixtures.event(9_001, user: user.rawValue, item: "A7", at: 9_001_000)
        let appended = try await fixture.store.append([EventBatch(workspace: .default, events: [later])])
        #expect(appended == [AppendResult(inserted: 1)])
        #expect(try await fixture.store.profile(of: user, in: .default) == nil)
        #expect(try await fixture.store.segments(of: user, in: .default).isEmpty)
        _ = try await fixture.store.refreshSegments(in: .default, at: Fixtures.now, batchSize: 100)
        #expect(try await fixture.store.segments(of: user, in: .default).isEmpty)

        let retrained = try await fixture.train()
        #expect(retrained.users.index(of: user.rawValue) == nil, "training leaves the person out")
        #expect(retrained.users.index(of: "a1") != nil)

        // Granting again folds the stored events back into a profile and the segments.
        _ = try await service.update(Self.grant, of: user, in: .default, actor: "key_test")
        let profile = try #require(try await fixture.store.profile(of: user, in: .default))
        #expect(profile.traits.eventCount == 8, "six own events, the linked visitor's and the later one")
        #expect(try await fixture.store.segments(of: user, in: .default) == [PersonFixture.segment])
    }

    @Test func aProfileRebuildGivesNoProfileBackAfterAWithdrawal() async throws {
        let fixture = try await PersonFixture()
        let service = ConsentService(store: fixture.store, clock: FixedClock(), registry: nil)
        _ = try await service.update(Self.withdraw, of: PersonFixture.user, in: .default, actor: "key_test")
        let report = try await ProfileRebuild(store: fixture.store, clock: FixedClock()).run(workspace: .default, write: true)
        #expect(report.driftedCount == 0, "\(report.drifted)")
        #expect(report.users == 40, "the two communities, not the person")
        #expect(try await fixture.store.profile(of: PersonFixture.user, in: .default) == nil)
    }

    @Test func onlineLearningIsToldOnlyOfEventsOfPeopleWithPersonalizationConsent() async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        _ = try await store.recordConsent([(UserID(unchecked: "u1"), Self.withdraw)], in: .default, at: Fixtures.now)
        let sink = RecordingSink()
        ConsentFilteredFeedback(store: store, sink: sink).record(
            [Fixtures.event(1, user: "u1"), Fixtures.event(2, user: "u2"), Fixtures.event(3, user: nil, anonymous: "v1")],
            in: .default)
        #expect(sink.ids == [Fixtures.eventID(2), Fixtures.eventID(3)])
        ConsentFilteredFeedback(store: store, sink: sink).record([Fixtures.event(4, user: "u1")], in: .default)
        #expect(sink.ids.count == 2, "nothing is passed on for a batch of only withdrawn people")
    }

    @Test func consentChangesAreAuditedUnderTheDigestWithActorAndSource() async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let service = ConsentService(store: store, clock: FixedClock(), registry: nil)
        _ = try await service.update(
            ConsentUpdate(choices: ConsentChoices(analytics: false, marketing: true), source: "tracker"),
            of: UserID(unchecked: "alice@example.com"), in: .default, actor: "key_abc")
        let rows = try await store.auditRecords(after: 0, limit: 10).filter { $0.entry.action == .consentChanged }
        let row = try #require(rows.first)
        #expect(row.entry.actor == "key_abc")
        #expect(row.entry.subject == UserDigest.auditSubject(UserID(unchecked: "alice@example.com")))
        #expect(row.entry.detail == "analytics=false marketing=true source=tracker")
        #expect(row.entry.time == FixedClock().now())
        #expect(try await AuditLog(store: store, clock: FixedClock()).verify().isIntact)
    }

    /// The consent and append side of opt-in is in ConsentStoreConformance; this is the profile side.
    @Test func underOptInAProfileWaitsForPersonalizationConsent() async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        #expect(try await store.setConsentDefault(.optIn))
        _ = try await store.recordConsent(
            [(UserID(unchecked: "u1"), ConsentUpdate(choices: ConsentChoices(analytics: true)))], in: .default, at: Fixtures.now)
        let stored = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(2, user: "u1", item: "i1", at: 2)])])
        #expect(stored == [AppendResult(inserted: 1)])
        #expect(try await store.profile(of: UserID(unchecked: "u1"), in: .default) == nil, "no personalization consent yet")
        _ = try await store.recordConsent(
            [(UserID(unchecked: "u1"), ConsentUpdate(choices: ConsentChoices(personalization: true)))], in: .default,
            at: Fixtures.now)
        #expect(try await store.profile(of: UserID(unchecked: "u1"), in: .default)?.traits.eventCount == 1)
    }

    @Test func anotherProcessesWithdrawalIsSeenByTheNextAppend() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.url.appendingPathComponent("attune.sqlite").path
        let server = try SQLiteStore(path: path)
        let commandLine = try SQLiteStore(path: path)
        try await server.ensureWorkspace(.default, at: Fixtures.now)
        // The server has read (and holds) the workspace's decisions before the change.
        #expect(try server.consentPermits(.analytics, for: "u1", in: .default))
        _ = try await commandLine.recordConsent(
            [(UserID(unchecked: "u1"), ConsentUpdate(choices: ConsentChoices(analytics: false), source: "import"))],
            in: .default, at: Fixtures.now)
        let result = try await server.append([EventBatch(workspace: .default, events: [Fixtures.event(1, user: "u1", item: "i", at: 1)])])
        #expect(result == [AppendResult(withheld: 1)])
        #expect(try server.consentPermits(.analytics, for: "u1", in: .default) == false)
    }

    @Test func erasureRemovesConsentAndItsHistory() async throws {
        let fixture = try await PersonFixture()
        let service = ConsentService(store: fixture.store, clock: FixedClock(), registry: nil)
        _ = try await service.update(
            ConsentUpdate(choices: ConsentChoices(marketing: false)), of: PersonFixture.user, in: .default, actor: "key_test")
        _ = try await service.update(
            ConsentUpdate(choices: ConsentChoices(analytics: true)), of: PersonFixture.user, in: .default, actor: "key_test")
        let erasure = UserErasure(store: fixture.store, clock: FixedClock(), registry: nil, files: fixture.files)
        let receipt = try #require(try await erasure.erase(PersonFixture.user, in: .default, actor: "key_test"))
        #expect(receipt.counts.consentRecords == 3, "one current row and two history rows")
        #expect(try await fixture.store.consent(of: PersonFixture.user, in: .default) == nil)
        #expect(try await fixture.store.consentSnapshot(in: .default).choices[PersonFixture.user.rawValue] == nil)
    }

    @Test func theExportHoldsConsentWithItsHistory() async throws {
        let fixture = try await PersonFixture()
        let service = ConsentService(store: fixture.store, clock: FixedClock(), registry: nil)
        _ = try await service.update(
            ConsentUpdate(choices: ConsentChoices(marketing: false), source: "tracker"), of: PersonFixture.user, in: .default,
            actor: "key_test")
        let exporter = UserExport(store: fixture.store, clock: FixedClock()) { _ in nil }
        let summary = try #require(try await exporter.begin(PersonFixture.user, in: .default, actor: "key_test"))
        var text = ""
        try await exporter.write(summary) { text += $0 }
        let document = try JSONParser().parse(text)
        let consent = try #require(document["consent"])
        #expect(consent["purposes"]?["marketing"] == .bool(false))
        #expect(consent["purposes"]?["analytics"] == .bool(true))
        guard case .array(let history)? = consent["history"] else {
            Issue.record("no history")
            return
        }
        #expect(history.count == 1)
        #expect(history.first?["source"] == .string("tracker"))
    }
}

final class RecordingSink: FeedbackSink {
    private let recorded = Locked<[EventID]>([])
    var ids: [EventID] { recorded.withLock { $0 } }
    func record(_ events: [Event], in workspace: WorkspaceID) { recorded.withLock { $0 += events.map(\.id) } }
}
