import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import Logging
import PostgresNIO
import Testing

/// Withdrawals and grants of personalization through one replica while another appends for the
/// same person: the profile and segments end as if the two had run one after the other.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresConsentReplicaTests {
    static let buyers = SegmentID(unchecked: "seg_buyers")

    func withTwoReplicas(_ body: (PostgresStore, PostgresStore) async throws -> Void) async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { first in
                try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { second in
                    try await body(first, second)
                }
            }
        }
    }

    /// Each round: a person with a profile and a segment withdraws through `a` while `b`
    /// appends batches for them. An append that read the decision before the withdrawal
    /// committed and saved its profile after would leave a profile (and a membership) for a
    /// person who refused: the withdrawal must wait for it, or it must read the withdrawal.
    @Test(.timeLimit(.minutes(5)))
    func aWithdrawalRacingAppendsThroughAnotherReplicaLeavesNoProfile() async throws {
        try await withTwoReplicas { a, b in
            try await a.ensureWorkspace(.default, at: Fixtures.now)
            try await a.createSegment(try SegmentStoreConformance.ruleSegment("traits.events >= 1"), in: .default)
            let rounds = 30
            let batches = 6
            for round in 0..<rounds {
                let person = UserID(unchecked: "p\(round)")
                let base = UInt64(round * 1_000)
                _ = try await b.append([EventBatch(workspace: .default, events: [Fixtures.event(base, user: person.rawValue)])])
                #expect(try await a.segments(of: person, in: .default) == [Self.buyers])
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for batch in 0..<batches {
                        group.addTask {
                            let events = (1...3).map {
                                Fixtures.event(base + UInt64(batch * 10 + $0), user: person.rawValue, at: Int64($0))
                            }
                            _ = try await b.append([EventBatch(workspace: .default, events: events)])
                        }
                    }
                    group.addTask {
                        _ = try await a.recordConsent(
                            [(person, ConsentUpdate(choices: ConsentChoices(personalization: false)))], in: .default,
                            at: Fixtures.now)
                    }
                    try await group.waitForAll()
                }
                #expect(try await b.profile(of: person, in: .default) == nil, "round \(round)")
                #expect(try await b.segments(of: person, in: .default).isEmpty, "round \(round)")
                // Every event is stored (analytics is allowed); the last segment event is the leaving.
                #expect(try await b.events(of: person, in: .default, after: nil, limit: 100)
                    .filter { !SegmentEvents.isSegmentEvent($0.event.type.rawValue) }.count == 1 + batches * 3)
                #expect(try await SegmentStoreConformance.segmentEvents(b, person.rawValue).map(\.0)
                    == ["segment_entered", "segment_left"], "round \(round)")
            }
        }
    }

    /// A grant through one replica racing appends through the other: whichever commits last
    /// starts from the other's result, so the profile holds every event once.
    @Test(.timeLimit(.minutes(5)))
    func aGrantRacingAppendsThroughAnotherReplicaFoldsEveryEventOnce() async throws {
        try await withTwoReplicas { a, b in
            try await a.ensureWorkspace(.default, at: Fixtures.now)
            let rounds = 20
            let batches = 6
            for round in 0..<rounds {
                let person = UserID(unchecked: "p\(round)")
                let base = UInt64(round * 1_000)
                _ = try await a.recordConsent(
                    [(person, ConsentUpdate(choices: ConsentChoices(personalization: false)))], in: .default, at: Fixtures.now)
                _ = try await b.append([EventBatch(workspace: .default, events: [Fixtures.event(base, user: person.rawValue)])])
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for batch in 0..<batches {
                        group.addTask {
                            let events = (1...3).map {
                                Fixtures.event(base + UInt64(batch * 10 + $0), user: person.rawValue, at: Int64($0))
                            }
                            _ = try await b.append([EventBatch(workspace: .default, events: events)])
                        }
                    }
                    group.addTask {
                        _ = try await a.recordConsent(
                            [(person, ConsentUpdate(choices: ConsentChoices(personalization: true)))], in: .default,
                            at: Fixtures.now)
                    }
                    try await group.waitForAll()
                }
                let profile = try #require(try await b.profile(of: person, in: .default), "round \(round)")
                #expect(profile.traits.eventCount == 1 + batches * 3, "round \(round)")
                let history = try await a.profileHistory(of: person, in: .default, before: nil, limit: 100)
                #expect(history.map(\.version) == Array((1...profile.version).reversed()), "round \(round)")
            }
        }
    }
}
