import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// What every backend's consent store must do, written once and run against each store (SQLite
/// in AttuneStoreTests, PostgreSQL in AttunePostgresTests). Each check takes a fresh, empty store.
package enum ConsentStoreConformance: ConformanceSuite {
    package typealias Store = ConsentStore & EventStore & WorkspaceStore & IdentityStore & ProfileStore & SegmentStore
        & IdentityResolutionStore

    package static let checks: [(name: String, run: @Sendable (any Store) async throws -> Void)] = [
        ("recordsComeBackWithTheirHistoryInOrder", { try await recordsComeBackWithTheirHistoryInOrder($0) }),
        ("undecidedPurposesFollowThePolicy", { try await undecidedPurposesFollowThePolicy($0) }),
        ("unknownWorkspacesAndPeople", { try await unknownWorkspacesAndPeople($0) }),
        ("withoutAnalyticsConsentEventsAreCountedNotStored", { try await withoutAnalyticsConsentEventsAreCountedNotStored($0) }),
        ("underOptInNothingIsStoredUntilGranted", { try await underOptInNothingIsStoredUntilGranted($0) }),
        ("concurrentWritersLeaveMemoryEqualToTheDatabase", { try await concurrentWritersLeaveMemoryEqualToTheDatabase($0) }),
        ("aMergedIdsDecisionIsThePersons", { try await aMergedIdsDecisionIsThePersons($0) }),
        ("withdrawingPersonalizationEndsTheProfileAndSegmentsAndAGrantRefoldsThem", {
            try await withdrawingPersonalizationEndsTheProfileAndSegmentsAndAGrantRefoldsThem($0)
        }),
        ("aWithdrawalAndAGrantInOneCallAreAppliedInTurn", { try await aWithdrawalAndAGrantInOneCallAreAppliedInTurn($0) }),
        ("aReplayedAppendCountsWithheldEventsAsTheFirstDid", { try await aReplayedAppendCountsWithheldEventsAsTheFirstDid($0) }),
    ]

    static let other = WorkspaceID(unchecked: "other")

    static func user(_ id: String) -> UserID { UserID(unchecked: id) }

    static func recordsComeBackWithTheirHistoryInOrder(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(other, at: Fixtures.now)
        let first = Fixtures.now
        let later = Fixtures.now.adding(milliseconds: 5_000)
        let records = try await store.recordConsent(
            [
                (user("u1"), ConsentUpdate(choices: ConsentChoices(analytics: true, marketing: false), source: "tracker")),
                (user("u2"), ConsentUpdate(choices: ConsentChoices(personalization: false))),
                // Named twice in one import: the second change applies over the first.
                (user("u1"), ConsentUpdate(choices: ConsentChoices(marketing: true), source: "import")),
            ], in: .default, at: first)
        #expect(records == [
            ConsentRecord(choices: ConsentChoices(analytics: true, marketing: false), updatedAt: first),
            ConsentRecord(choices: ConsentChoices(personalization: false), updatedAt: first),
            ConsentRecord(choices: ConsentChoices(analytics: true, marketing: true), updatedAt: first),
        ])
        let again = try await store.recordConsent(
            [(user("u1"), ConsentUpdate(choices: ConsentChoices(analytics: false), source: "api"))], in: .default, at: later)
        #expect(again == [ConsentRecord(choices: ConsentChoices(analytics: false, marketing: true), updatedAt: later)])

        let u1 = try #require(try await store.consent(of: user("u1"), in: .default))
        #expect(u1.choices == ConsentChoices(analytics: false, marketing: true))
        #expect(u1.updatedAt == later)
        #expect(u1.history == [
            ConsentChange(choices: ConsentChoices(analytics: true, marketing: false), source: "tracker", at: first),
            ConsentChange(choices: ConsentChoices(marketing: true), source: "import", at: first),
            ConsentChange(choices: ConsentChoices(analytics: false), source: "api", at: later),
        ])
        #expect(try await store.consent(of: user("u2"), in: .default)?.history.map(\.source) == ["api"])
        // Decisions are per workspace.
        #expect(try await store.consent(of: user("u1"), in: other) == nil)
        #expect(try store.consentPermits(.analytics, for: "u1", in: other))

        let snapshot = try await store.consentSnapshot(in: .default)
        #expect(snapshot.policy == .optOut)
        #expect(snapshot.choices == [
            "u1": ConsentChoices(analytics: false, marketing: true), "u2": ConsentChoices(personalization: false),
        ])
        #expect(snapshot.permits(.personalization, for: "u1"))
        #expect(!snapshot.permits(.personalization, for: "u2"))
        #expect(try await store.consentSnapshot(in: other).choices.isEmpty)
        #expect(try await store.recordConsent([], in: .default, at: later).isEmpty)
    }

    static func undecidedPurposesFollowThePolicy(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        #expect(try store.consentDefault() == .optOut)
        _ = try await store.recordConsent(
            [(user("u1"), ConsentUpdate(choices: ConsentChoices(analytics: true, personalization: false)))], in: .default,
            at: Fixtures.now)
        func permits(_ subject: String) throws -> [Bool] {
            try ConsentPurpose.allCases.map { try store.consentPermits($0, for: subject, in: .default) }
        }
        #expect(try permits("u1") == [true, false, true], "marketing undecided: allowed under opt-out")
        #expect(try permits("nobody") == [true, true, true])

        #expect(try await store.setConsentDefault(.optIn))
        #expect(try await store.setConsentDefault(.optIn) == false, "already the policy")
        #expect(try store.consentDefault() == .optIn)
        #expect(try permits("u1") == [true, false, false], "decisions stand; the undecided purpose follows the policy")
        #expect(try permits("nobody") == [false, false, false])
        #expect(try await store.consentSnapshot(in: .default).policy == .optIn)

        #expect(try await store.setConsentDefault(.optOut))
        #expect(try store.consentDefault() == .optOut)
        #expect(try permits("u1") == [true, false, true])
    }

    static func unknownWorkspacesAndPeople(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let missing = WorkspaceID(unchecked: "missing")
        let error = await #expect(throws: AttuneError.self) {
            try await store.recordConsent(
                [(user("u1"), ConsentUpdate(choices: ConsentChoices(analytics: false)))], in: missing, at: Fixtures.now)
        }
        #expect(error?.code == .notFound)
        await #expect(throws: AttuneError.self) { try await store.recordConsent([], in: missing, at: Fixtures.now) }
        #expect(try await store.consent(of: user("u1"), in: missing) == nil)
        #expect(try await store.consent(of: user("u1"), in: .default) == nil, "never decided anything")
        // A workspace without decisions has only the policy: nothing is allowed under opt-in.
        #expect(try store.consentPermits(.analytics, for: "u1", in: missing))
        #expect(try await store.consentSnapshot(in: missing).choices.isEmpty)
        _ = try await store.setConsentDefault(.optIn)
        #expect(try store.consentPermits(.analytics, for: "u1", in: missing) == false)
        #expect(try await store.consentSnapshot(in: missing).policy == .optIn)
    }

    static func withoutAnalyticsConsentEventsAreCountedNotStored(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        _ = try await store.recordConsent(
            [(user("u1"), ConsentUpdate(choices: ConsentChoices(analytics: false)))], in: .default, at: Fixtures.now)
        let events = [
            Fixtures.event(1, user: "u1", item: "i1", at: 1_000), Fixtures.event(2, user: "u2", item: "i1", at: 2_000),
            Fixtures.event(3, user: nil, anonymous: "u1", item: "i2", at: 3_000), Fixtures.event(4, user: "u1", item: "i2", at: 4_000),
        ]
        let results = try await store.append([EventBatch(workspace: .default, events: events)])
        // Consent is kept per id: events without a user id are matched by their anonymous id.
        #expect(results == [AppendResult(inserted: 1, withheld: 3)])
        #expect(try await store.events(of: user("u1"), in: .default, after: nil, limit: 10).isEmpty)
        let stats = try await store.stats(of: .default)
        #expect(stats.events == 1)
        #expect(stats.withheldEvents == 3)
        #expect(stats.users == 1)
    }

    static func underOptInNothingIsStoredUntilGranted(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        #expect(try await store.setConsentDefault(.optIn))
        let first = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1, user: "u1", item: "i1", at: 1)])])
        #expect(first == [AppendResult(withheld: 1)])
        _ = try await store.recordConsent(
            [(user("u1"), ConsentUpdate(choices: ConsentChoices(analytics: true)))], in: .default, at: Fixtures.now)
        let second = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(2, user: "u1", item: "i1", at: 2)])])
        #expect(second == [AppendResult(inserted: 1)])
        #expect(try store.consentPermits(.analytics, for: "u1", in: .default))
        #expect(try store.consentPermits(.personalization, for: "u1", in: .default) == false)
        #expect(try store.consentPermits(.marketing, for: "u1", in: .default) == false)
    }

    static func concurrentWritersLeaveMemoryEqualToTheDatabase(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for step in 0..<40 {
                        // A fixed pseudo-random walk per worker: the same writes on every run.
                        let mix = UInt64(worker * 7_919 + step * 104_729) &* 0x9E37_79B9_7F4A_7C15
                        let person = user("u\(mix >> 60 % 10)")
                        var choices = ConsentChoices()
                        choices[ConsentPurpose.allCases[Int(mix >> 33 % 3)]] = (mix >> 20) & 1 == 1
                        _ = try await store.recordConsent([(person, ConsentUpdate(choices: choices))], in: .default, at: Fixtures.now)
                        if step % 5 == 0 {
                            let id = UInt64(worker * 1_000 + step)
                            let event = Fixtures.event(id, user: person.rawValue, item: "i", at: Int64(id))
                            _ = try await store.append([EventBatch(workspace: .default, events: [event])])
                        }
                        _ = try store.consentPermits(.analytics, for: person.rawValue, in: .default)
                    }
                }
            }
            try await group.waitForAll()
        }
        let snapshot = try await store.consentSnapshot(in: .default).choices
        #expect(!snapshot.isEmpty)
        for index in 0..<10 {
            let id = "u\(index)"
            // The stored record, read from the database, against the answers from memory.
            let record = try await store.consent(of: user(id), in: .default)
            let choices = record?.choices ?? ConsentChoices()
            #expect(snapshot[id] == record?.choices)
            for purpose in ConsentPurpose.allCases {
                #expect(try store.consentPermits(purpose, for: id, in: .default) == choices.permits(purpose, under: .optOut))
            }
            let replayed = record?.history.reduce(ConsentChoices()) { $0.applying($1.choices) }
            #expect(replayed == record?.choices, "the history replays to the current state")
        }
    }
}
