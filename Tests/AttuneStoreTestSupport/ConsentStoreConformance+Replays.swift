import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// Appends sent again by a client that did not hear the answer.
extension ConsentStoreConformance {
    /// A retry of a whole request (after a deadline, say) sends the same event ids again: the
    /// stored ones are duplicates, and those refused for consent are refused, and counted, again
    /// (consent is checked before the log: a refused event was never stored, so nothing marks it
    /// as seen).
    static func aReplayedAppendCountsWithheldEventsAsTheFirstDid(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        _ = try await store.recordConsent(
            [(user("u1"), ConsentUpdate(choices: ConsentChoices(analytics: false)))], in: .default, at: Fixtures.now)
        let batch = EventBatch(workspace: .default, events: [
            Fixtures.event(1, user: "u1", at: 1_000), Fixtures.event(2, user: "u2", at: 2_000),
            Fixtures.event(3, user: nil, anonymous: "a1", at: 3_000), Fixtures.event(4, user: nil, anonymous: nil, at: 4_000),
            Fixtures.event(1, user: "u1", at: 1_000),
        ])
        let first = try await store.append([batch])
        #expect(first == [AppendResult(inserted: 3, withheld: 2)])
        let replay = try await store.append([batch, batch])
        #expect(replay == [AppendResult(duplicates: 3, withheld: 2), AppendResult(duplicates: 3, withheld: 2)])
        // An event stored before its person refused is refused when it comes again, not a duplicate.
        _ = try await store.recordConsent(
            [(user("u2"), ConsentUpdate(choices: ConsentChoices(analytics: false)))], in: .default, at: Fixtures.now)
        let late = try await store.append([batch])
        #expect(late == [AppendResult(duplicates: 2, withheld: 3)])
        let stats = try await store.stats(of: .default)
        #expect(stats.events == 3)
        #expect(stats.withheldEvents == 9)
    }
}
