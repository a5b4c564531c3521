import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Testing

/// Erasure and the retention purge through one `PostgresStore` while another on the same
/// database writes, as two `attune serve` replicas (or a replica and a worker) share it.
///
/// The semantics are SQLite's, where one writer runs at a time: an erasure is a point in the
/// workspace's write order. Everything written about the person before it commits (events,
/// identify, consent) is erased with the rest; what arrives after it is stored as a new person
/// (a profile built from the new events alone, new activity and counters), since an id is not
/// banned by being erased: only its digest is kept, for training to leave it out.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresErasureReplicaTests {
    static let user = UserID(unchecked: "u-race")
    static let visitor = AnonymousID(unchecked: "a-race")
    static let batches = 40
    static let day: Int64 = 86_400_000

    func withTwoReplicas(_ body: (PostgresStore, PostgresStore) async throws -> Void) async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { first in
                try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { second in
                    try await first.ensureWorkspace(.default, at: Fixtures.now)
                    try await body(first, second)
                }
            }
        }
    }

    /// B appends one batch after another for the person while A erases them. Batches that
    /// committed before the erasure are gone whole; those after it survive whole and are all
    /// the new person is made of: the survivors are a suffix of B's batches, every batch B saw
    /// return before the erasure began is among the erased, and every event is either erased
    /// (counted in the receipt) or kept, never both or neither.
    @Test(.timeLimit(.minutes(5)))
    func anErasureRacingAnotherReplicasAppendsLeavesOnlyWhatCameAfterIt() async throws {
        try await withTwoReplicas { a, b in
            try await b.record(
                Identify(
                    anonymousID: Self.visitor, userID: Self.user, traits: #"{"plan":"pro"}"#, timestamp: Fixtures.now),
                in: .default)
            var batchOf: [EventID: Int] = [:]
            func batch(_ index: Int) -> EventBatch {
                let events = (0..<2).map { offset in
                    Fixtures.event(
                        UInt64(1_000 + 2 * index + offset), user: Self.user.rawValue, at: Int64(index) * 1_000)
                }
                for event in events { batchOf[event.id] = index }
                return EventBatch(workspace: .default, events: events)
            }
            let all = (0..<Self.batches).map(batch)
            let progress = Progress()
            let appending = Task {
                for (index, next) in all.enumerated() {
                    let result = try await b.append([next])
                    #expect(result == [AppendResult(inserted: 2, duplicates: 0, withheld: 0)])
                    await progress.done(index)
                }
            }
            await progress.wait(atLeast: 10)
            let returnedBefore = await progress.last
            let erased = try #require(try await a.erasePerson(
                Self.user, digest: { _ in [1] }, in: .default, at: Fixtures.now))
            try await appending.value

            let kept = try await a.events(of: Self.user, in: .default, after: nil, limit: 1_000)
            let keptBatches = Set(kept.map { batchOf[$0.event.id] ?? -1 })
            let firstKept = keptBatches.min() ?? Self.batches
            #expect(keptBatches == Set(firstKept..<Self.batches), "the survivors are the batches after the erasure")
            #expect(firstKept > returnedBefore, "a batch that returned before the erasure began is erased")
            #expect(kept.count == 2 * keptBatches.count, "no batch is split by the erasure")
            #expect(erased.counts.events + kept.count == 2 * Self.batches)
            // The new person is made of the kept events alone.
            let profile = try await a.profile(of: Self.user, in: .default)
            #expect(profile?.traits.eventCount ?? 0 == kept.count)
            #expect(try await a.profileHistory(of: Self.user, in: .default, before: nil, limit: 1_000).count
                == keptBatches.count)
            #expect(try await a.traits(of: Self.user, in: .default) == nil, "the identify before the erasure is gone")
            #expect(try await a.anonymousIDs(of: Self.user, in: .default).isEmpty)
            let stats = try await b.stats(of: .default)
            #expect(stats.events == kept.count, "the counter holds the kept events only")
            #expect(stats.users == (kept.isEmpty ? 0 : 1))
        }
    }

    /// The consent memory of another process forgets the erased person: their refusal stops
    /// answering there. A plain generation bump would not do it (that process reads only rows
    /// written since the generation it holds, and the erased rows are not there to read): the
    /// erasure's bump is a clearing, which makes it read the workspace's decisions again whole.
    @Test(.timeLimit(.minutes(5)))
    func anErasureThroughOneReplicaMakesTheOthersConsentCheckForgetThePerson() async throws {
        try await withTwoReplicas { a, b in
            _ = try await a.recordConsent(
                [
                    (Self.user, ConsentUpdate(choices: ConsentChoices(personalization: false), source: "api")),
                    (UserID(unchecked: "u-keep"),
                     ConsentUpdate(choices: ConsentChoices(marketing: false), source: "api")),
                ], in: .default, at: Fixtures.now)
            try await Self.eventually { try !b.consentPermits(.personalization, for: Self.user.rawValue, in: .default) }

            #expect(try await a.erasePerson(Self.user, digest: { _ in [1] }, in: .default, at: Fixtures.now) != nil)
            #expect(
                try a.consentPermits(.personalization, for: Self.user.rawValue, in: .default), "at once where it ran")
            try await Self.eventually { try b.consentPermits(.personalization, for: Self.user.rawValue, in: .default) }
            #expect(try !b.consentPermits(.marketing, for: "u-keep", in: .default), "others' decisions stay")
            #expect(try await b.consent(of: Self.user, in: .default) == nil)
            #expect(try await b.consentSnapshot(in: .default).choices.keys.sorted() == ["u-keep"])
        }
    }

    /// A consent decision recorded through B while A erases the same person is ordered by the
    /// consent generation row: either it is erased, or it is recorded after and stands alone
    /// (a history of that one change), never a decision whose history was erased under it.
    @Test(.timeLimit(.minutes(5)))
    func aConsentDecisionRacingAnErasureIsErasedOrStandsAlone() async throws {
        try await withTwoReplicas { a, b in
            _ = try await a.append([
                EventBatch(workspace: .default, events: [Fixtures.event(1, user: Self.user.rawValue)]),
            ])
            for round in 0..<10 {
                _ = try await b.recordConsent(
                    [(Self.user, ConsentUpdate(choices: ConsentChoices(marketing: false), source: "before"))],
                    in: .default, at: Fixtures.now)
                async let erased = a.erasePerson(Self.user, digest: { _ in [1] }, in: .default, at: Fixtures.now)
                async let recorded = b.recordConsent(
                    [(Self.user, ConsentUpdate(choices: ConsentChoices(analytics: true), source: "racing \(round)"))],
                    in: .default, at: Fixtures.now)
                _ = try await (erased, recorded)
                if let record = try await a.consent(of: Self.user, in: .default) {
                    #expect(record.history.map(\.source) == ["racing \(round)"])
                    #expect(record.choices == ConsentChoices(analytics: true))
                }
                // Either way the refusal recorded before is gone, and both replicas forget it.
                try await Self.eventually {
                    try b.consentPermits(.marketing, for: Self.user.rawValue, in: .default)
                        && a.consentPermits(.marketing, for: Self.user.rawValue, in: .default)
                }
                _ = try await a.erasePerson(Self.user, digest: { _ in [1] }, in: .default, at: Fixtures.now)
            }
        }
    }

    /// B appends old and new events while A purges again and again: every old event is deleted
    /// exactly once (the purges' counts add up to them), every new one stays, and the workspace's
    /// event counter, which both write, loses no update.
    @Test(.timeLimit(.minutes(5)))
    func aPurgeRacingAnotherReplicasAppendsDeletesEachOldEventOnceAndKeepsTheCounterTrue() async throws {
        try await withTwoReplicas { a, b in
            let cutoff = Fixtures.now.adding(milliseconds: -30 * Self.day)
            let progress = Progress()
            let appending = Task {
                for index in 0..<Self.batches {
                    _ = try await b.append([EventBatch(workspace: .default, events: [
                        Fixtures.event(UInt64(2 * index + 1), user: "u\(index % 3)", at: -40 * Self.day + Int64(index)),
                        Fixtures.event(UInt64(2 * index + 2), user: "u\(index % 3)", at: Int64(index)),
                    ])])
                    await progress.done(index)
                }
            }
            var purged = 0
            while await progress.last < Self.batches - 1 {
                purged += try await a.purgeEvents(olderThan: cutoff, batchSize: 3)
            }
            try await appending.value
            purged += try await a.purgeEvents(olderThan: cutoff, batchSize: 3)
            #expect(purged == Self.batches)
            let left = try await b.events(in: .default, after: nil, limit: 1_000)
            #expect(left.map(\.event.id) == (0..<Self.batches).map { Fixtures.eventID(UInt64(2 * $0 + 2)) })
            #expect(try await b.stats(of: .default).events == Self.batches)
        }
    }

    /// Waits up to 20 s for `condition`.
    static func eventually(_ condition: () throws -> Bool) async throws {
        let start = ContinuousClock.now
        while try !condition() {
            guard ContinuousClock.now - start < .seconds(20) else {
                Issue.record("not within 20 s")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// How far the appending replica got: the index of its last batch that returned.
private actor Progress {
    private(set) var last = -1
    private var waiters: [(Int, CheckedContinuation<Void, Never>)] = []

    func done(_ index: Int) {
        last = index
        let ready = waiters.filter { $0.0 <= index }
        waiters.removeAll { $0.0 <= index }
        for (_, waiter) in ready { waiter.resume() }
    }

    func wait(atLeast index: Int) async {
        if last >= index { return }
        await withCheckedContinuation { waiters.append((index, $0)) }
    }
}
