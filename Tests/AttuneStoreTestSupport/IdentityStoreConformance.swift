import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// What every backend's identity links and declared traits must do; run against each store
/// (SQLite in AttuneStoreTests, PostgreSQL in AttunePostgresTests). Each check takes a fresh,
/// empty store.
package enum IdentityStoreConformance: ConformanceSuite {
    package typealias Store = EventStore & WorkspaceStore & IdentityStore

    package static let other = WorkspaceID(unchecked: "other")

    /// The checks by name, for `@Test(arguments:)`.
    package static let checks: [(name: String, run: @Sendable (any Store) async throws -> Void)] = [
        ("userEventsIncludeLinkedAnonymousActivityAndPaginate", {
            try await userEventsIncludeLinkedAnonymousActivityAndPaginate($0)
        }),
        ("traitsMergeAcrossIdentifyCalls", { try await traitsMergeAcrossIdentifyCalls($0) }),
        ("declaredTraitsKeepTheTextAndKeyOrderOfAMergePatch", {
            try await declaredTraitsKeepTheTextAndKeyOrderOfAMergePatch($0)
        }),
        ("linksAreListedInLinkOrderAndByUser", { try await linksAreListedInLinkOrderAndByUser($0) }),
        ("identifyingInAnUnknownWorkspaceStoresNothing", { try await identifyingInAnUnknownWorkspaceStoresNothing($0) }),
    ]

    static func prepare(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(other, at: Fixtures.now)
    }

    static func userEventsIncludeLinkedAnonymousActivityAndPaginate(_ store: some Store) async throws {
        try await prepare(store)
        let events = [
            Fixtures.event(1, user: nil, anonymous: "a1", at: 1),
            Fixtures.event(2, user: "u1", at: 2),
            Fixtures.event(3, user: "u2", at: 3),
            Fixtures.event(4, user: "u1", at: 4),
            Fixtures.event(5, user: nil, anonymous: "a2", at: 5),
        ]
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        try await store.record(
            Identify(anonymousID: AnonymousID(unchecked: "a1"), userID: UserID(unchecked: "u1"), traits: nil, timestamp: Fixtures.now),
            in: .default)
        let first = try await store.events(of: UserID(unchecked: "u1"), in: .default, after: nil, limit: 2)
        #expect(first.map(\.event.id) == [Fixtures.eventID(1), Fixtures.eventID(2)])
        let second = try await store.events(of: UserID(unchecked: "u1"), in: .default, after: first.last!.sequence, limit: 2)
        #expect(second.map(\.event.id) == [Fixtures.eventID(4)])
        #expect(try await store.events(of: UserID(unchecked: "u1"), in: other, after: nil, limit: 10).isEmpty)
        let recent = try await store.recentEvents(of: UserID(unchecked: "u1"), in: .default, limit: 2)
        #expect(recent.map(\.event.id) == [Fixtures.eventID(2), Fixtures.eventID(4)])
        let all = try await store.events(in: .default, after: nil, limit: 100)
        #expect(all.count == 5)
        #expect(all.map(\.sequence) == all.map(\.sequence).sorted())
    }

    static func traitsMergeAcrossIdentifyCalls(_ store: some Store) async throws {
        try await prepare(store)
        let user = UserID(unchecked: "u1")
        try await store.record(Identify(anonymousID: nil, userID: user, traits: #"{"age":30,"plan":"free"}"#, timestamp: Fixtures.now), in: .default)
        try await store.record(Identify(anonymousID: nil, userID: user, traits: #"{"plan":"gold","tmp":null}"#, timestamp: Fixtures.now), in: .default)
        let traits = try #require(try await store.traits(of: user, in: .default))
        #expect(try JSONParser().parse(traits) == JSONParser().parse(#"{"age":30,"plan":"gold"}"#))
        #expect(try await store.traits(of: user, in: other) == nil)
        try await store.record(Identify(anonymousID: AnonymousID(unchecked: "a9"), userID: user, traits: nil, timestamp: Fixtures.now), in: .default)
        try await store.record(Identify(anonymousID: AnonymousID(unchecked: "a9"), userID: user, traits: nil, timestamp: Fixtures.now), in: .default)
        #expect(try await store.anonymousIDs(of: user, in: .default) == [AnonymousID(unchecked: "a9")])

        try await store.record(Identify(anonymousID: nil, userID: UserID(unchecked: "u0"), traits: #"{"vip":true}"#, timestamp: Fixtures.now), in: .default)
        let first = try await store.traits(in: .default, after: nil, limit: 1)
        #expect(first.map(\.user.rawValue) == ["u0"])
        let rest = try await store.traits(in: .default, after: first.last?.user, limit: 10)
        #expect(rest.map(\.user.rawValue) == ["u1"])
        #expect(try await store.traits(in: other, after: nil, limit: 10).isEmpty)
    }

    /// The stored text itself, not only its meaning: members keep their place, new ones go last,
    /// nested objects merge, `null` removes, a non-object replaces.
    static func declaredTraitsKeepTheTextAndKeyOrderOfAMergePatch(_ store: some Store) async throws {
        try await prepare(store)
        let user = UserID(unchecked: "u1")
        func declare(_ patch: String) async throws {
            try await store.record(Identify(anonymousID: nil, userID: user, traits: patch, timestamp: Fixtures.now), in: .default)
        }
        try await declare(#"{"b":1,"x":{"y":2,"w":[1,2]},"gone":{"k":null}}"#)
        #expect(try await store.traits(of: user, in: .default) == #"{"b":1,"x":{"y":2,"w":[1,2]},"gone":{}}"#)
        try await declare(#"{"a":"é \"q\" \\","b":null,"x":{"z":3.5,"y":null},"gone":7}"#)
        #expect(try await store.traits(of: user, in: .default) == #"{"x":{"w":[1,2],"z":3.5},"gone":7,"a":"é \"q\" \\"}"#)
        try await declare(#"{"x":[true,null]}"#)
        #expect(try await store.traits(of: user, in: .default) == #"{"x":[true,null],"gone":7,"a":"é \"q\" \\"}"#)
        try await declare(#"{"x":null,"gone":null,"a":null}"#)
        #expect(try await store.traits(of: user, in: .default) == "{}")
        #expect(try await store.traits(in: .default, after: nil, limit: 10).map(\.traits) == ["{}"])
    }

    static func linksAreListedInLinkOrderAndByUser(_ store: some Store) async throws {
        try await prepare(store)
        let user = UserID(unchecked: "u1")
        func link(_ anonymous: String, _ user: String, _ at: Int64) -> Identify {
            Identify(
                anonymousID: AnonymousID(unchecked: anonymous), userID: UserID(unchecked: user), traits: nil,
                timestamp: Fixtures.now.adding(milliseconds: at))
        }
        // One call with several links, one transaction.
        try await store.record([link("a3", "u1", 10), link("a2", "u1", 20), link("a1", "u1", 20), link("a1", "u0", 5)], in: .default)
        #expect(try await store.anonymousIDs(of: user, in: .default).map(\.rawValue) == ["a3", "a1", "a2"])
        #expect(try await store.users(linkedTo: AnonymousID(unchecked: "a1"), in: .default).map(\.rawValue) == ["u0", "u1"])
        #expect(try await store.users(linkedTo: AnonymousID(unchecked: "a1"), in: other).isEmpty)
        #expect(try await store.anonymousIDs(of: user, in: WorkspaceID(unchecked: "ghost")).isEmpty)
        #expect(try await store.traits(of: user, in: WorkspaceID(unchecked: "ghost")) == nil)
    }

    static func identifyingInAnUnknownWorkspaceStoresNothing(_ store: some Store) async throws {
        try await prepare(store)
        let user = UserID(unchecked: "u1")
        await #expect(throws: AttuneError.self) {
            try await store.record(
                Identify(anonymousID: AnonymousID(unchecked: "a1"), userID: user, traits: #"{"a":1}"#, timestamp: Fixtures.now),
                in: WorkspaceID(unchecked: "ghost"))
        }
        #expect(try await store.anonymousIDs(of: user, in: .default).isEmpty)
        #expect(try await store.traits(of: user, in: .default) == nil)
    }
}
