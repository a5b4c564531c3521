import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// What every backend's identity resolution must do (identifiers, merges, unmerges, "do not
/// merge" pairs, source priority), with the events, links, profiles and declared traits that
/// merges move; run against each store (SQLite in AttuneStoreTests, PostgreSQL in
/// AttunePostgresTests). Each check takes a fresh, empty store. Identifier values are given as
/// stored (the engine hashes e-mail addresses and phone numbers before the store sees them).
package enum IdentityResolutionStoreConformance: ConformanceSuite {
    package typealias Store = EventStore & WorkspaceStore & IdentityStore & ProfileStore & IdentityResolutionStore

    /// The checks by name, for `@Test(arguments:)`.
    package static let checks: [(name: String, run: @Sendable (any Store) async throws -> Void)] = [
        ("usersSharingIdentifiersBecomeOnePersonTransitively", {
            try await usersSharingIdentifiersBecomeOnePersonTransitively($0)
        }),
        ("eventsAndIdentifyCallsOfAMergedIdLandOnTheCanonicalUser", {
            try await eventsAndIdentifyCallsOfAMergedIdLandOnTheCanonicalUser($0)
        }),
        ("unmergeGivesEventsLinksAndDeclarationsBackAndBlocksTheirNextAutomaticMerge", {
            try await unmergeGivesEventsLinksAndDeclarationsBackAndBlocksTheirNextAutomaticMerge($0)
        }),
        ("aGroupLeavesTogetherAndACanonicalUserUndoesItsLastMerge", {
            try await aGroupLeavesTogetherAndACanonicalUserUndoesItsLastMerge($0)
        }),
        ("theCanonicalUserIsTheOneKnownFirstOrTheOneNamed", {
            try await theCanonicalUserIsTheOneKnownFirstOrTheOneNamed($0)
        }),
        ("sourcePriorityDecidesAMergedPersonsDeclaredAttributes", {
            try await sourcePriorityDecidesAMergedPersonsDeclaredAttributes($0)
        }),
        ("badMergeAndUnmergeRequestsAreRefusedAndChangeNothing", {
            try await badMergeAndUnmergeRequestsAreRefusedAndChangeNothing($0)
        }),
    ]

    static func id(_ raw: String) -> UserID { UserID(unchecked: raw) }
    static func email(_ value: String) -> PersonIdentifier { PersonIdentifier(kind: .email, value: value) }
    static func phone(_ value: String) -> PersonIdentifier { PersonIdentifier(kind: .phone, value: value) }
    static func at(_ offset: Int64) -> Timestamp { Fixtures.now.adding(milliseconds: offset) }

    /// `count` view events of `user` (or of visitor `anonymous`), numbered from `first`, at
    /// `first` minutes after the fixtures' time and on.
    package static func events(
        _ store: some Store, _ user: String?, anonymous: String? = nil, first: UInt64, count: Int
    ) async throws {
        let batch = (0..<UInt64(count)).map {
            Fixtures.event(first + $0, user: user, anonymous: anonymous, at: Int64(first + $0) * 60_000)
        }
        _ = try await store.append([EventBatch(workspace: .default, events: batch)])
    }

    static func attach(_ store: some Store, _ user: String, _ identifiers: [PersonIdentifier], at offset: Int64)
        async throws -> MergeOutcome
    {
        let outcomes = try await store.attach(
            [(id(user), identifiers)], source: "test", in: .default, actor: "test", at: at(offset))
        return outcomes[0]
    }

    static func merge(_ store: some Store, _ users: [String], canonical: String? = nil, at offset: Int64) async throws
        -> MergeOutcome
    {
        try await store.merge(users.map(id), canonical: canonical.map(id), in: .default, actor: "ops", at: at(offset))
    }

    static func lastCause(_ store: some Store, _ user: String) async throws -> ProfileVersion.Cause? {
        try await store.profileHistory(of: id(user), in: .default, before: nil, limit: 1).first?.cause
    }

    static func eventCount(_ store: some Store, _ user: String) async throws -> Int? {
        try await store.profile(of: id(user), in: .default)?.traits.eventCount
    }

    static func declare(_ store: some Store, _ user: String, _ traits: String, source: String, at offset: Int64)
        async throws
    {
        try await store.record(
            Identify(anonymousID: nil, userID: id(user), traits: traits, timestamp: at(offset), source: source),
            in: .default)
    }

    static func usersSharingIdentifiersBecomeOnePersonTransitively(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await events(store, "a", first: 1, count: 3)
        try await events(store, "b", first: 10, count: 2)
        try await events(store, "c", first: 20, count: 4)
        #expect(try await attach(store, "a", [email("e-ann")], at: 1).merges.isEmpty)
        #expect(try await attach(store, "c", [phone("p-ann")], at: 2).merges.isEmpty)
        // b shares the e-mail with a and the phone with c.
        let outcome = try await attach(store, "b", [email("e-ann"), phone("p-ann")], at: 3)
        #expect(outcome.canonical == id("a"), "a was known first")
        #expect(outcome.merges.map(\.merged) == [id("b"), id("c")])
        #expect(outcome.merges.map(\.reason) == ["email", "phone"])
        #expect(outcome.merges.allSatisfy { $0.canonical == id("a") && $0.actor == "test" && $0.at == at(3) })
        #expect(try await eventCount(store, "a") == 9)
        #expect(try await eventCount(store, "b") == nil)
        #expect(try await eventCount(store, "c") == nil)
        #expect(try await store.mergedUsers(into: id("a"), in: .default) == [id("b"), id("c")])
        #expect(try await store.canonicalUser(of: id("c"), in: .default) == id("a"))
        // Each identifier stays with the user that brought it first.
        let stored = try await store.identifiers(of: [id("a"), id("b"), id("c")], in: .default)
        #expect(stored == [
            StoredIdentifier(user: id("a"), kind: .email, value: "e-ann", source: "test", firstSeen: at(1)),
            StoredIdentifier(user: id("c"), kind: .phone, value: "p-ann", source: "test", firstSeen: at(2)),
        ])
        // A later record sharing only c's phone joins the same person; attaching again is no change.
        let later = try await attach(store, "d", [phone("p-ann"), email("e-dan")], at: 4)
        #expect(later.canonical == id("a"))
        #expect(later.merges.map(\.merged) == [id("d")])
        #expect(try await attach(store, "b", [email("e-ann")], at: 5) == MergeOutcome(canonical: id("a"), merges: []))
        #expect(try await store.identifiers(of: [id("d")], in: .default).map(\.value) == ["e-dan"])
        let merges = try await store.merges(involving: [id("a")], in: .default)
        #expect(merges.map(\.merged) == [id("b"), id("c"), id("d")])
        #expect(merges.map(\.id) == merges.map(\.id).sorted())
        #expect(try await store.merges(involving: [id("c")], in: .default) == [merges[1]])
        // Persons, not ids.
        #expect(try await store.stats(of: .default).users == 1)
        // The person's history records the merges; each merged id's ends with its merge.
        let history = try await store.profileHistory(of: id("a"), in: .default, before: nil, limit: 100)
        #expect(history.map(\.cause).filter { $0 == .merge }.count == 2)
        let firstMerge = try #require(history.last { $0.cause == .merge })
        #expect(firstMerge.detail.contains(#""events":[3,9]"#))
        #expect(firstMerge.detail.hasSuffix(#""merged":["b","c"],"merges":[\#(merges[0].id),\#(merges[1].id)]}"#))
        let last = try #require(try await store.profileHistory(of: id("b"), in: .default, before: nil, limit: 1).first)
        #expect(last.cause == .merge)
        #expect(last.detail.contains(#""mergedInto":"a""#))
    }

    static func eventsAndIdentifyCallsOfAMergedIdLandOnTheCanonicalUser(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await events(store, "a", first: 1, count: 2)
        try await events(store, "b", first: 10, count: 1)
        let outcome = try await store.merge([id("b"), id("a")], canonical: nil, in: .default, actor: "ops", at: at(1))
        #expect(outcome.canonical == id("a"))
        #expect(outcome.merges.map(\.reason) == [UserMerge.manualReason])
        #expect(try await eventCount(store, "a") == 3)
        // Events sent for the merged id after the merge belong to the person.
        try await events(store, "b", first: 20, count: 2)
        try await events(store, "a", first: 30, count: 1)
        #expect(try await eventCount(store, "a") == 6)
        #expect(try await eventCount(store, "b") == nil, "no profile grows under the merged id")
        #expect(try await store.events(of: id("b"), in: .default, after: nil, limit: 100).isEmpty)
        let stored = try await store.events(of: id("a"), in: .default, after: nil, limit: 100)
        #expect(stored.count == 6)
        #expect(stored.allSatisfy { $0.event.userID == id("a") })
        // A visitor identified as the merged id is linked to the person; its declaration is the person's.
        try await events(store, nil, anonymous: "v1", first: 40, count: 2)
        try await store.record(
            Identify(
                anonymousID: AnonymousID(unchecked: "v1"), userID: id("b"), traits: #"{"plan":"pro"}"#, timestamp: at(2)),
            in: .default)
        #expect(try await eventCount(store, "a") == 8)
        #expect(try await store.anonymousIDs(of: id("a"), in: .default) == [AnonymousID(unchecked: "v1")])
        #expect(try await store.anonymousIDs(of: id("b"), in: .default).isEmpty)
        #expect(try await store.traits(of: id("a"), in: .default) == #"{"plan":"pro"}"#)
        #expect(try await store.traits(of: id("b"), in: .default) == nil)
        #expect(try await store.stats(of: .default).users == 1)
        let versions = try await store.profileHistory(of: id("a"), in: .default, before: nil, limit: 100).map(\.version)
        #expect(versions == Array((1...versions.count).reversed()), "one version per change, none skipped")
    }

    static func unmergeGivesEventsLinksAndDeclarationsBackAndBlocksTheirNextAutomaticMerge(_ store: some Store)
        async throws
    {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await events(store, "a", first: 1, count: 2)
        try await events(store, "b", first: 10, count: 3)
        try await events(store, nil, anonymous: "v", first: 20, count: 1)
        try await store.record(
            Identify(anonymousID: AnonymousID(unchecked: "v"), userID: id("b"), traits: nil, timestamp: at(1)),
            in: .default)
        try await declare(store, "a", #"{"name":"A"}"#, source: "web", at: 2)
        try await declare(store, "b", #"{"plan":"pro"}"#, source: "crm", at: 3)
        let merge = try await store.merge([id("a"), id("b")], canonical: nil, in: .default, actor: "ops", at: at(4))
            .merges[0]
        #expect(try await eventCount(store, "a") == 6)
        #expect(try await store.traits(of: id("a"), in: .default) == #"{"name":"A","plan":"pro"}"#)
        #expect(try await store.anonymousIDs(of: id("a"), in: .default) == [AnonymousID(unchecked: "v")])

        let undone = try await store.unmerge(id("b"), merge: nil, in: .default, actor: "ops2", at: at(5))
        #expect(undone.id == merge.id)
        #expect(undone.undoneAt == at(5))
        #expect(undone.undoneBy == "ops2")
        #expect(try await store.canonicalUser(of: id("b"), in: .default) == id("b"))
        #expect(try await store.mergedUsers(into: id("a"), in: .default).isEmpty)
        #expect(try await eventCount(store, "a") == 2)
        #expect(try await eventCount(store, "b") == 4)
        #expect(try await store.events(of: id("b"), in: .default, after: nil, limit: 100).map(\.event.userID) == [
            id("b"), id("b"), id("b"), nil,
        ])
        #expect(try await store.anonymousIDs(of: id("b"), in: .default) == [AnonymousID(unchecked: "v")])
        #expect(try await store.anonymousIDs(of: id("a"), in: .default).isEmpty)
        #expect(try await store.traits(of: id("a"), in: .default) == #"{"name":"A"}"#)
        #expect(try await store.traits(of: id("b"), in: .default) == #"{"plan":"pro"}"#)
        #expect(try await store.merges(involving: [id("b")], in: .default) == [undone])
        #expect(try await store.stats(of: .default).users == 2)
        #expect(try await lastCause(store, "a") == .unmerge)
        let split = try await store.profileHistory(of: id("a"), in: .default, before: nil, limit: 1)
        #expect(split.first?.detail.hasSuffix(#""unmerged":\#(merge.id)}"#) == true)
        #expect(try await lastCause(store, "b") == .unmerge)
        // The pair is kept from both sides, and undoing the merge again is a conflict.
        let pair = MergeBlock(user: id("b"), other: id("a"), merge: merge.id, at: at(5))
        #expect(try await store.mergeBlocks(involving: [id("b")], in: .default) == [pair])
        let bothSides = try await store.mergeBlocks(involving: [id("a"), id("b")], in: .default)
        #expect(bothSides.map(\.user) == [id("a"), id("b")])
        let again = await #expect(throws: AttuneError.self) {
            try await store.unmerge(id("b"), merge: merge.id, in: .default, actor: "ops", at: at(6))
        }
        #expect(again?.code == .conflict)

        // Sharing an identifier no longer joins them: it stays with its holder.
        #expect(try await attach(store, "a", [email("e-x")], at: 7).merges.isEmpty)
        let refused = try await attach(store, "b", [email("e-x"), phone("p-b")], at: 8)
        #expect(refused == MergeOutcome(canonical: id("b"), merges: [], refusedIdentifiers: 1))
        #expect(try await store.identifiers(of: [id("b")], in: .default).map(\.value) == ["p-b"])
        // A person merging them by hand clears the pair.
        let manual = try await store.merge([id("a"), id("b")], canonical: nil, in: .default, actor: "ops", at: at(9))
        #expect(manual.canonical == id("a"))
        #expect(try await store.mergeBlocks(involving: [id("a"), id("b")], in: .default).isEmpty)
        #expect(try await eventCount(store, "a") == 6)
    }

    static func aGroupLeavesTogetherAndACanonicalUserUndoesItsLastMerge(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await events(store, "a", first: 1, count: 1)
        try await events(store, "b", first: 10, count: 2)
        try await events(store, "c", first: 20, count: 3)
        try await events(store, "d", first: 30, count: 4)
        _ = try await store.merge([id("b"), id("c")], canonical: nil, in: .default, actor: "ops", at: at(1))
        let joined = try await store.merge([id("a"), id("c")], canonical: nil, in: .default, actor: "ops", at: at(2))
        #expect(joined.canonical == id("a"))
        #expect(joined.merges.map(\.merged) == [id("b")], "c's person is led by b")
        #expect(try await store.mergedUsers(into: id("a"), in: .default) == [id("b"), id("c")])
        _ = try await store.merge([id("d"), id("a")], canonical: nil, in: .default, actor: "ops", at: at(3))
        #expect(try await eventCount(store, "a") == 10)
        // Undoing the merge that brought b in takes c along: they were one before.
        let undone = try await store.unmerge(id("c"), merge: joined.merges[0].id, in: .default, actor: "ops", at: at(4))
        #expect(undone.merged == id("b"))
        #expect(try await store.canonicalUser(of: id("c"), in: .default) == id("b"))
        #expect(try await store.mergedUsers(into: id("b"), in: .default) == [id("c")])
        #expect(try await store.mergedUsers(into: id("a"), in: .default) == [id("d")])
        #expect(try await eventCount(store, "b") == 5)
        #expect(try await eventCount(store, "a") == 5)
        // Named without a merge, a canonical user undoes the last merge into it.
        let last = try await store.unmerge(id("a"), merge: nil, in: .default, actor: "ops", at: at(5))
        #expect(last.merged == id("d"))
        #expect(try await eventCount(store, "a") == 1)
        #expect(try await eventCount(store, "d") == 4)
        #expect(try await store.stats(of: .default).users == 3)
    }

    static func theCanonicalUserIsTheOneKnownFirstOrTheOneNamed(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        // Known first by an identifier, though its events are later.
        _ = try await attach(store, "late", [email("e-late")], at: -60_000)
        try await events(store, "late", first: 50, count: 1)
        try await events(store, "early", first: 1, count: 1)
        let byIdentifier = try await merge(store, ["early", "late"], at: 1)
        #expect(byIdentifier.canonical == id("late"))
        // Known at the same time: the smaller id.
        try await declare(store, "y", #"{"k":1}"#, source: "web", at: 2)
        try await declare(store, "x", #"{"k":2}"#, source: "web", at: 2)
        #expect(try await merge(store, ["y", "x"], at: 3).canonical == id("x"))
        // Named: kept whatever the rule says; a merged id named stands for its person.
        try await events(store, "m", first: 60, count: 2)
        let named = try await merge(store, ["m", "early"], canonical: "m", at: 4)
        #expect(named.canonical == id("m"))
        #expect(named.merges.map(\.merged) == [id("late")])
        #expect(try await store.canonicalUser(of: id("early"), in: .default) == id("m"))
        #expect(try await eventCount(store, "m") == 4)
        // Unknown workspaces and users read as nobody merged.
        let elsewhere = WorkspaceID(unchecked: "elsewhere")
        #expect(try await store.canonicalUser(of: id("early"), in: elsewhere) == id("early"))
        #expect(try await store.mergedUsers(into: id("m"), in: elsewhere).isEmpty)
        #expect(try await store.merges(involving: [id("m")], in: elsewhere).isEmpty)
        #expect(try await store.identifiers(of: [id("late")], in: elsewhere).isEmpty)
        #expect(try await store.mergeBlocks(involving: [id("m")], in: elsewhere).isEmpty)
        #expect(try await store.sourcePriority(in: elsewhere).isEmpty)
        #expect(try await store.canonicalUser(of: id("nobody"), in: .default) == id("nobody"))
    }

    static func sourcePriorityDecidesAMergedPersonsDeclaredAttributes(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await declare(store, "a", #"{"tier":"gold","city":"Oslo"}"#, source: "crm", at: 1)
        try await declare(store, "b", #"{"tier":"silver"}"#, source: "web", at: 2)
        _ = try await store.merge([id("a"), id("b")], canonical: nil, in: .default, actor: "ops", at: at(3))
        // No priority: the most recent declaration wins each attribute.
        #expect(try await store.traits(of: id("a"), in: .default) == #"{"city":"Oslo","tier":"silver"}"#)
        try await store.setSourcePriority(["crm", "web"], in: .default)
        #expect(try await store.sourcePriority(in: .default) == ["crm", "web"])
        #expect(try await store.traits(of: id("a"), in: .default) == #"{"city":"Oslo","tier":"gold"}"#)
        // A later declaration of a less trusted source does not win; one of the trusted source does.
        try await declare(store, "b", #"{"tier":"bronze"}"#, source: "web", at: 4)
        #expect(try await store.traits(of: id("a"), in: .default) == #"{"city":"Oslo","tier":"gold"}"#)
        try await declare(store, "a", #"{"tier":"platinum"}"#, source: "crm", at: 5)
        #expect(try await store.traits(of: id("a"), in: .default) == #"{"city":"Oslo","tier":"platinum"}"#)
        try await store.setSourcePriority(["web"], in: .default)
        #expect(try await store.traits(of: id("a"), in: .default) == #"{"city":"Oslo","tier":"bronze"}"#)
        try await store.setSourcePriority([], in: .default)
        #expect(try await store.sourcePriority(in: .default).isEmpty)
        await #expect(throws: AttuneError.self) {
            try await store.setSourcePriority(["crm"], in: WorkspaceID(unchecked: "elsewhere"))
        }
    }

    static func badMergeAndUnmergeRequestsAreRefusedAndChangeNothing(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await events(store, "a", first: 1, count: 1)
        try await events(store, "b", first: 10, count: 1)
        _ = try await attach(store, "c", [email("e-c")], at: 1)
        let now = at(2)
        // The code of the error a call answers with, `nil` when it succeeds.
        func code(_ body: () async throws -> Void) async -> AttuneError.Code? {
            do {
                try await body()
                return nil
            } catch let error as AttuneError {
                return error.code
            } catch {
                return nil
            }
        }
        func merging(_ users: [String], canonical: String? = nil, in workspace: WorkspaceID = .default) async
            -> AttuneError.Code?
        {
            await code {
                _ = try await store.merge(
                    users.map(id), canonical: canonical.map(id), in: workspace, actor: "o", at: now)
            }
        }
        func unmerging(_ user: String, merge: Int64? = nil) async -> AttuneError.Code? {
            await code { _ = try await store.unmerge(id(user), merge: merge, in: .default, actor: "o", at: now) }
        }
        #expect(await merging(["a", "a"]) == .invalidValue)
        #expect(await merging(["a"]) == .invalidValue)
        #expect(await merging(["a", "b"], canonical: "c") == .invalidValue)
        #expect(await merging(["a", "zz"]) == .notFound)
        #expect(await merging(["a", "b"], in: WorkspaceID(unchecked: "elsewhere")) == .notFound)
        #expect(await unmerging("zz") == .notFound)
        #expect(await unmerging("a") == .conflict)
        #expect(await unmerging("a", merge: 999_999) == .notFound)
        #expect(try await store.merges(involving: [id("a"), id("b"), id("c")], in: .default).isEmpty)
        // A user known only by an identifier can be merged; merging the same people again is a conflict.
        let outcome = try await merge(store, ["a", "b", "c"], at: 2)
        #expect(outcome.merges.count == 2)
        #expect(await merging(["c", "b"]) == .conflict)
        // A merge that does not concern the user named is not undone through it.
        try await events(store, "d", first: 20, count: 1)
        #expect(await unmerging("d", merge: outcome.merges[0].id) == .conflict)
        #expect(try await store.merges(involving: [id("a")], in: .default).allSatisfy { $0.undoneAt == nil })
        #expect(try await store.mergedUsers(into: outcome.canonical, in: .default).count == 2)
        #expect(try await eventCount(store, outcome.canonical.rawValue) == 2)
    }
}
