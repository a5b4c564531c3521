import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import GRDB
import Testing

struct IdentityResolutionTests {
    typealias ID = IdentityFixture

    @Test func usersSharingIdentifiersBecomeOnePersonTransitively() async throws {
        var f = try await IdentityFixture()
        try await f.events("a", count: 3)
        try await f.events("b", count: 2)
        try await f.events("c", count: 4)
        #expect(try await f.attach("a", email: "  Ann@Example.com").merges.isEmpty)
        #expect(try await f.attach("c", phone: "+44 20 7946 0958").merges.isEmpty)
        // b shares the e-mail with a (written differently) and the phone with c.
        let outcome = try await f.attach("b", email: "ann@example.com ", phone: "+442079460958")
        #expect(outcome.canonical == ID.id("a"), "a was known first")
        #expect(outcome.merges.map(\.merged) == [ID.id("b"), ID.id("c")])
        #expect(outcome.merges.map(\.reason) == ["email", "phone"])
        #expect(try await f.eventCount("a") == 9)
        #expect(try await f.eventCount("b") == nil)
        #expect(try await f.eventCount("c") == nil)
        #expect(try await f.store.mergedUsers(into: ID.id("a"), in: .default) == [ID.id("b"), ID.id("c")])
        // A later record sharing only c's phone joins the same person.
        let later = try await f.attach("d", phone: "0044 20 7946 0958")
        #expect(later.canonical == ID.id("a"))
        #expect(try await f.canonical("d") == "a")
        // Identifiers are stored as keyed hashes, never as the address or number.
        let stored = try await f.store.identifiers(of: [ID.id("a"), ID.id("b"), ID.id("c")], in: .default)
        #expect(stored.count == 2)
        // A token is 64 hex digits under a random key: four digits of the number turn up in one now
        // and then, so the number is looked for whole.
        #expect(stored.allSatisfy { !$0.value.contains("ann") && !$0.value.contains("442079460958") && $0.value.count == 64 })
        // The audit log has a row per merge, naming users by digest only.
        let audit = try await f.store.auditRecords(after: 0, limit: 100).filter { $0.entry.action == .usersMerged }
        #expect(audit.count == 3)
        #expect(audit.allSatisfy { !($0.entry.detail ?? "").contains("b") || ($0.entry.detail ?? "").contains("sha256:") })
        #expect(audit.allSatisfy { $0.entry.subject == UserDigest.auditSubject(ID.id("a")) })
    }

    @Test func eventsAndCallsForEitherOldIdLandOnTheCanonicalProfile() async throws {
        var f = try await IdentityFixture()
        try await f.events("a", count: 2)
        try await f.events("b", count: 1)
        _ = try await f.attach("a", email: "p@example.com")
        _ = try await f.attach("b", email: "P@example.com")
        #expect(try await f.eventCount("a") == 3)
        try await f.events("b", count: 2)
        try await f.events("a", count: 1)
        #expect(try await f.eventCount("a") == 6)
        #expect(try await f.eventCount("b") == nil, "no profile grows under the merged id")
        // A visitor identified as the merged id is linked to the person.
        try await f.events(nil, anonymous: "v1", count: 2)
        try await f.store.record(
            Identify(anonymousID: AnonymousID(unchecked: "v1"), userID: ID.id("b"), traits: nil, timestamp: f.clock.now()),
            in: .default)
        #expect(try await f.eventCount("a") == 8)
        #expect(try await f.store.anonymousIDs(of: ID.id("a"), in: .default) == [AnonymousID(unchecked: "v1")])
        // Every stored event of the person is under the canonical id.
        let stored = try await f.store.events(of: ID.id("a"), in: .default, after: nil, limit: 100)
        #expect(stored.count == 8)
        #expect(try await f.store.events(of: ID.id("b"), in: .default, after: nil, limit: 100).isEmpty)
        // And rebuilding every profile from the log gives what streaming gave.
        let report = try await ProfileRebuild(store: f.store, clock: f.clock).run(workspace: .default, write: false)
        #expect(report.driftedCount == 0, "\(report.drifted)")
        #expect(report.users == 1)
    }

    @Test func rebuildEqualsStreamingAfterMergesAndUnmerges() async throws {
        var f = try await IdentityFixture()
        for (n, user) in ["a", "b", "c", "d", "e"].enumerated() { try await f.events(user, count: n + 1, item: "i\(n)") }
        try await f.events(nil, anonymous: "v", count: 3)
        try await f.store.record(
            Identify(anonymousID: AnonymousID(unchecked: "v"), userID: ID.id("c"), traits: nil, timestamp: f.clock.now()),
            in: .default)
        _ = try await f.attach("a", email: "x@example.com")
        _ = try await f.attach("c", email: "x@example.com", phone: "+15555550100")
        _ = try await f.attach("e", phone: "+1 555 555 0100")
        try await f.events("e", count: 2)
        _ = try await f.identity.merge([ID.id("b"), ID.id("d")], canonical: nil, in: .default, actor: "test")
        _ = try await f.identity.unmerge(ID.id("c"), merge: nil, in: .default, actor: "test")
        try await f.events("c", count: 1)
        let rebuild = ProfileRebuild(store: f.store, clock: f.clock)
        let report = try await rebuild.run(workspace: .default, write: false)
        #expect(report.driftedCount == 0, "\(report.drifted)")
        #expect(try await f.canonical("e") == "a")
        #expect(try await f.canonical("c") == "c")
        #expect(try await f.eventCount("c") == 3 + 3 + 1, "c's own events and its visitor's")
    }

    @Test func historyRecordsMergeAndUnmergeCauses() async throws {
        var f = try await IdentityFixture()
        try await f.events("a", count: 2)
        try await f.events("b", count: 2)
        let outcome = try await f.identity.merge([ID.id("a"), ID.id("b")], canonical: ID.id("a"), in: .default, actor: "test")
        #expect(try await f.causes("a").first == .merge)
        #expect(try await f.causes("b").first == .merge)
        let latest = try #require(try await f.store.profileHistory(of: ID.id("a"), in: .default, before: nil, limit: 1).first)
        #expect(latest.detail.contains(#""merged":["b"]"#))
        #expect(latest.detail.contains(#""merges":[\#(outcome.merges[0].id)]"#))
        #expect(latest.detail.contains(#""events":[2,4]"#))
        let gone = try #require(try await f.store.profileHistory(of: ID.id("b"), in: .default, before: nil, limit: 1).first)
        #expect(gone.detail.contains(#""mergedInto":"a""#))
        _ = try await f.identity.unmerge(ID.id("b"), merge: nil, in: .default, actor: "test")
        #expect(try await f.causes("a").first == .unmerge)
        #expect(try await f.causes("b").first == .unmerge)
        #expect(try await f.causes("b") == [.unmerge, .merge, .event])
        let audit = try await f.store.auditRecords(after: 0, limit: 100).map(\.entry.action)
        #expect(audit == [.usersMerged, .usersUnmerged])
    }

    @Test func conflictingAttributesResolveBySourcePriorityThenRecency() async throws {
        let f = try await IdentityFixture()
        try await f.declare("a", #"{"city":"York","tier":"gold"}"#, source: "crm")
        try await f.declare("b", #"{"city":"Leeds","plan":"free"}"#, source: "web")
        _ = try await f.attach("a", email: "q@example.com")
        _ = try await f.attach("b", email: "q@example.com")
        // No priority set: the most recent declaration wins.
        #expect(try await f.store.traits(of: ID.id("a"), in: .default) == #"{"city":"Leeds","plan":"free","tier":"gold"}"#)
        try await f.store.setSourcePriority(["crm", "web"], in: .default)
        #expect(try await f.store.traits(of: ID.id("a"), in: .default) == #"{"city":"York","plan":"free","tier":"gold"}"#)
        // A newer web value under the merged id still loses to the CRM.
        try await f.declare("b", #"{"city":"Hull"}"#, source: "web")
        #expect(try await f.store.traits(of: ID.id("a"), in: .default) == #"{"city":"York","plan":"free","tier":"gold"}"#)
        #expect(try await f.store.traits(of: ID.id("b"), in: .default) == nil, "a merged id has no traits of its own")
        // Split, each gets back exactly what it declared.
        _ = try await f.identity.unmerge(ID.id("a"), merge: nil, in: .default, actor: "test")
        #expect(try await f.store.traits(of: ID.id("a"), in: .default) == #"{"city":"York","tier":"gold"}"#)
        #expect(try await f.store.traits(of: ID.id("b"), in: .default) == #"{"city":"Hull","plan":"free"}"#)
    }

    @Test func unmergeSplitsEventsProfilesLinksAndEarlierMergesBack() async throws {
        var f = try await IdentityFixture()
        try await f.events("a", count: 3, item: "i1")
        try await f.events("b", count: 2, item: "i2")
        try await f.events("c", count: 1, item: "i3")
        try await f.events(nil, anonymous: "v", count: 2, item: "i4")
        try await f.store.record(
            Identify(anonymousID: AnonymousID(unchecked: "v"), userID: ID.id("b"), traits: nil, timestamp: f.clock.now()),
            in: .default)
        let before = (
            a: try #require(try await f.store.profile(of: ID.id("a"), in: .default)).traits,
            b: try #require(try await f.store.profile(of: ID.id("b"), in: .default)).traits)
        _ = try await f.identity.merge([ID.id("b"), ID.id("c")], canonical: ID.id("b"), in: .default, actor: "test")
        _ = try await f.identity.merge([ID.id("a"), ID.id("b")], canonical: ID.id("a"), in: .default, actor: "test")
        #expect(try await f.eventCount("a") == 8)
        #expect(try await f.store.mergedUsers(into: ID.id("a"), in: .default) == [ID.id("b"), ID.id("c")])
        try await f.events("c", count: 1, item: "i5")
        #expect(try await f.eventCount("a") == 9)

        // Unmerging c undoes c's own merge (into b), though b is part of a by now; the event that
        // came for c meanwhile goes with it.
        let undone = try await f.identity.unmerge(ID.id("c"), merge: nil, in: .default, actor: "test")
        #expect(undone.canonical == ID.id("b"))
        #expect(try await f.canonical("c") == "c")
        #expect(try await f.canonical("b") == "a")
        // Now split b (with nothing left merged into it) from a.
        _ = try await f.identity.unmerge(ID.id("a"), merge: nil, in: .default, actor: "test")
        #expect(try await f.store.profile(of: ID.id("a"), in: .default)?.traits == before.a)
        #expect(try await f.store.profile(of: ID.id("b"), in: .default)?.traits == before.b)
        #expect(try await f.eventCount("b") == 4, "b's 2 events and its visitor's 2")
        #expect(try await f.eventCount("c") == 2, "c's event before the merge and the one that came for it after")
        #expect(try await f.store.anonymousIDs(of: ID.id("b"), in: .default) == [AnonymousID(unchecked: "v")])
        #expect(try await f.store.anonymousIDs(of: ID.id("a"), in: .default).isEmpty)
        let merges = try await f.store.merges(involving: [ID.id("a"), ID.id("b"), ID.id("c")], in: .default)
        #expect(merges.count == 2)
        #expect(merges.allSatisfy { $0.undoneAt != nil && $0.undoneBy == "test" })
        let report = try await ProfileRebuild(store: f.store, clock: f.clock).run(workspace: .default, write: false)
        #expect(report.driftedCount == 0, "\(report.drifted)")
    }

    @Test func unmergingANestedGroupTakesItsEarlierMembersAlong() async throws {
        var f = try await IdentityFixture()
        try await f.events("a", count: 1)
        try await f.events("b", count: 1)
        try await f.events("c", count: 1)
        _ = try await f.identity.merge([ID.id("b"), ID.id("c")], canonical: ID.id("b"), in: .default, actor: "test")
        let outer = try await f.identity.merge([ID.id("a"), ID.id("b")], canonical: ID.id("a"), in: .default, actor: "test")
        _ = try await f.identity.unmerge(ID.id("a"), merge: outer.merges[0].id, in: .default, actor: "test")
        #expect(try await f.canonical("c") == "b")
        #expect(try await f.eventCount("b") == 2)
        #expect(try await f.eventCount("a") == 1)
    }

    @Test func anUnmergeSticksUntilAManualMergeClearsIt() async throws {
        var f = try await IdentityFixture()
        try await f.events("a", count: 2)
        try await f.events("b", count: 2)
        _ = try await f.attach("a", email: "ann@example.com")
        #expect(try await f.attach("b", email: "ann@example.com").merges.count == 1)
        _ = try await f.identity.unmerge(ID.id("b"), merge: nil, in: .default, actor: "test")
        #expect(try await f.canonical("b") == "b")
        // The next import of the same record shares the address again: the split holds.
        let again = try await f.attach("b", email: "ann@example.com")
        #expect(again.merges.isEmpty)
        #expect(again.refusedIdentifiers == 1, "the shared address is counted as refused, not dropped silently")
        let withPhone = try await f.attach("b", email: "Ann@Example.com ", phone: "+44 20 7946 0958")
        #expect(withPhone.merges.isEmpty)
        #expect(withPhone.refusedIdentifiers == 1, "the address; the new phone is b's own")
        #expect(try await f.canonical("b") == "b")
        #expect(try await f.eventCount("a") == 2)
        #expect(try await f.eventCount("b") == 2)
        // b's new phone is b's own; a third record sharing it and a's address joins one side only.
        let third = try await f.attach("c", email: "ann@example.com", phone: "+442079460958")
        #expect(third.merges.count == 1)
        #expect(third.refusedIdentifiers == 1, "b's phone")
        #expect(try await f.canonical("c") == "a", "c joins the holder of the address; b's phone is refused")
        #expect(try await f.canonical("b") == "b", "c must not bridge the split pair")
        #expect(try await Self.blocks(f) == 1)
        // A person decides otherwise: the manual merge clears the pair.
        _ = try await f.identity.merge([ID.id("a"), ID.id("b")], canonical: nil, in: .default, actor: "test")
        #expect(try await f.canonical("b") == "a")
        #expect(try await Self.blocks(f) == 0)
    }

    @Test func anUnmergedGroupStaysApartFromEveryMemberOfTheOther() async throws {
        var f = try await IdentityFixture()
        try await f.events("a", count: 1)
        try await f.events("x", count: 1)
        try await f.events("b", count: 1)
        _ = try await f.attach("a", email: "a@example.com")
        _ = try await f.attach("x", email: "a@example.com", phone: "+15555550100")
        #expect(try await f.canonical("x") == "a")
        _ = try await f.attach("b", email: "b@example.com")
        _ = try await f.attach("a", email: "b@example.com")
        #expect(try await f.canonical("b") == "a")
        _ = try await f.identity.unmerge(ID.id("b"), merge: nil, in: .default, actor: "test")
        // x's phone belongs to a's person, which b was split from: b sharing it joins nothing.
        let refused = try await f.attach("b", phone: "+1 555 555 0100")
        #expect(refused.merges.isEmpty)
        #expect(refused.refusedIdentifiers == 1)
        #expect(try await f.canonical("b") == "b")
        // Someone new can still join either side.
        let joined = try await f.attach("d", email: "b@example.com")
        #expect(joined.merges.count == 1)
        #expect(joined.refusedIdentifiers == 0)
        #expect(try await f.canonical("d") == "b", "b kept its own address")
    }

    static func blocks(_ f: IdentityFixture) async throws -> Int {
        try await f.store.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM merge_blocks") ?? 0 }
    }

}
