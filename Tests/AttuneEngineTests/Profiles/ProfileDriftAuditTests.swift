import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Testing

struct ProfileDriftAuditTests {
    @Test func streamedProfilesAgreeWithTheirEventsAndATamperedOneIsCaught() async throws {
        let store = try await ModelTrainingTests.communityStore()
        // A visitor who browses, then signs in as a1: the audit folds linked events too.
        let visits = (0..<4).map { Fixtures.event(70_000 + UInt64($0), user: nil, anonymous: "v9", item: "A\($0)", at: Int64($0)) }
        _ = try await store.append([EventBatch(workspace: .default, events: Array(visits.prefix(2)))])
        try await store.record(
            Identify(anonymousID: AnonymousID(unchecked: "v9"), userID: UserID(unchecked: "a1"), traits: nil, timestamp: Fixtures.now),
            in: .default)
        _ = try await store.append([EventBatch(workspace: .default, events: Array(visits.suffix(2)))])
        let audit = ProfileDriftAudit(store: store)
        let clean = try await audit.run(workspace: .default, sample: 1_000, seed: 1)
        #expect(clean.sampled == clean.profiles)
        #expect(clean.profiles == 80)
        #expect(clean.drifted.isEmpty, "\(clean.drifted)")

        var wrong = try #require(try await store.profile(of: UserID(unchecked: "a1"), in: .default)).traits
        wrong.eventCount += 1
        try await store.replaceProfiles([(UserID(unchecked: "a1"), wrong)], in: .default, at: Fixtures.now)
        let caught = try await audit.run(workspace: .default, sample: 1_000, seed: 2)
        #expect(caught.drifted == [UserID(unchecked: "a1")])
        // A small sample is a sample: the same seed picks the same users.
        let first = try await audit.run(workspace: .default, sample: 5, seed: 7)
        let again = try await audit.run(workspace: .default, sample: 5, seed: 7)
        #expect(first.sampled == 5 && first == again)
    }
}
