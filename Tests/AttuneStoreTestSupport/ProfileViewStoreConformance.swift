import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// What every backend's one-read profile view must return: each part of a person, a merged
/// person's under its canonical id, nothing for unknown users and workspaces, and nothing of a
/// part whose limit is 0. Each check takes a fresh, empty store.
package enum ProfileViewStoreConformance: ConformanceSuite {
    package typealias Store = ProfileViewStore & TextStore & WorkspaceStore & IdentityStore & IdentityResolutionStore
        & EventStore & CatalogStore & ImputationStore

    package static let checks: [(name: String, run: @Sendable (any Store) async throws -> Void)] = [
        ("aPersonsViewHoldsEveryPart", { try await aPersonsViewHoldsEveryPart($0) }),
        ("aMergedPersonsMentionsAreThoseOfEveryId", { try await aMergedPersonsMentionsAreThoseOfEveryId($0) }),
        ("unknownUsersAndWorkspacesHaveNoView", { try await unknownUsersAndWorkspacesHaveNoView($0) }),
        ("limitsOfZeroReadNothingOfTheirPart", { try await limitsOfZeroReadNothingOfTheirPart($0) }),
    ]

    static func user(_ id: String) -> UserID { UserID(unchecked: id) }

    /// The texts of ``TextStoreConformance/populate(_:)``, items a (shoes) and b (hats) in the
    /// catalogue, u1's item events a, zz (not in the catalogue), b, declared traits, an imputed
    /// age and an email.
    static func populate(_ store: some Store) async throws {
        try await TextStoreConformance.populate(store)
        try await store.upsert(
            [
                Item(id: ItemID(unchecked: "a"), categories: ["shoes"], tags: ["red"], createdAt: Fixtures.now, updatedAt: Fixtures.now),
                Item(id: ItemID(unchecked: "b"), categories: ["hats"], createdAt: Fixtures.now, updatedAt: Fixtures.now),
            ], in: .default)
        _ = try await store.append([
            EventBatch(
                workspace: .default,
                events: [
                    Fixtures.event(1, user: "u1", item: "a", at: 1), Fixtures.event(2, user: "u1", item: "zz", at: 2),
                    Fixtures.event(3, user: "u1", item: "b", at: 3),
                ])
        ])
        try await store.record(
            Identify(anonymousID: nil, userID: user("u1"), traits: #"{"plan":"pro"}"#, timestamp: Fixtures.now), in: .default)
        _ = try await store.replaceImputations(
            of: "age", with: [(user("u1"), "30-39", 0.75)], in: .default, at: Fixtures.now)
        _ = try await store.attach(
            [(user("u1"), [PersonIdentifier(kind: .email, value: "u1@example.com")])], source: "api", in: .default,
            actor: "test", at: Fixtures.now)
    }

    static func aPersonsViewHoldsEveryPart(_ store: some Store) async throws {
        try await populate(store)
        let view = try #require(
            try await store.profileView(of: user("u1"), in: .default, recentItems: 10, mentionTargets: 10))
        #expect(view.user == user("u1"))
        #expect(view.stored?.traits.eventCount == 3)
        #expect(view.declared != nil)
        #expect(view.declared == (try await store.traits(of: user("u1"), in: .default)))
        #expect(view.imputations.map(\.attribute) == ["age"])
        #expect(view.imputations.first?.value == "30-39")
        // zz is not in the catalogue: left out.
        #expect(view.recentLabels.map(\.categories) == [["shoes"], ["hats"]])
        #expect(view.recentLabels.map(\.tags) == [["red"], []])
        let latest = try #require(
            try await store.profileView(of: user("u1"), in: .default, recentItems: 2, mentionTargets: 10))
        #expect(latest.recentLabels.map(\.categories) == [["hats"]])
        #expect(view.mentions.map(\.target) == [
            .brand("acme"), TextStoreConformance.item("a"), TextStoreConformance.item("b"), TextStoreConformance.item("c"),
        ])
        #expect(view.mentions.allSatisfy { $0.user == user("u1") })
        // a (mean 0.05) and b (0.8) were spoken of favourably, c (-0.7) not, and acme is no item.
        #expect(Set(view.mentionedItems.keys.map(\.rawValue)) == ["a", "b"])
        #expect(view.mentionedItems[ItemID(unchecked: "a")]?.categories == ["shoes"])
        let first = try #require(
            try await store.profileView(of: user("u1"), in: .default, recentItems: 10, mentionTargets: 1))
        #expect(first.mentions.map(\.target) == [.brand("acme")])
        #expect(first.mentionedItems.isEmpty)
        #expect(view.merged.isEmpty)
        #expect(view.identifiers.map(\.kind) == [.email])
        #expect(view.identifiers.first?.user == user("u1"))
        #expect(view.merges.isEmpty)
        #expect(view.mergeBlocks.isEmpty)
    }

    /// Texts stay under the id they were written for; a merged person's view counts the mentions
    /// of all its ids, asked for by any of them.
    static func aMergedPersonsMentionsAreThoseOfEveryId(_ store: some Store) async throws {
        try await TextStoreConformance.populate(store)
        for id in ["u1", "u2"] {
            try await store.record(
                Identify(anonymousID: nil, userID: user(id), traits: #"{"plan":"x"}"#, timestamp: Fixtures.now),
                in: .default)
        }
        _ = try await store.attach(
            [(user("u2"), [PersonIdentifier(kind: .email, value: "u2@example.com")])], source: "api", in: .default,
            actor: "test", at: Fixtures.now)
        _ = try await store.merge([user("u1"), user("u2")], canonical: user("u1"), in: .default, actor: "test", at: Fixtures.now)
        for asked in ["u1", "u2"] {
            let view = try #require(
                try await store.profileView(of: user(asked), in: .default, recentItems: 10, mentionTargets: 10))
            #expect(view.user == user("u1"))
            let a = try #require(view.mentions.first { $0.target == TextStoreConformance.item("a") })
            #expect(a.count == 3, "u1's two mentions of a and u2's one")
            #expect(a.user == user("u1"))
            #expect(a.lastTime == Fixtures.now.adding(milliseconds: 3))
            #expect(view.mentions.map(\.target) == [
                .brand("acme"), TextStoreConformance.item("a"), TextStoreConformance.item("b"),
                TextStoreConformance.item("c"),
            ])
            #expect(view.merged == [user("u2")])
            #expect(view.identifiers.map(\.user) == [user("u2")], "the merged id's identifiers are the person's")
            #expect(view.merges.map(\.canonical) == [user("u1")])
            #expect(view.merges.map(\.merged) == [user("u2")])
            #expect(view.declared != nil)
        }
    }

    /// No view for an id nobody knows, a user with texts but neither profile nor declared traits,
    /// a user of another workspace, or a workspace that does not exist.
    static func unknownUsersAndWorkspacesHaveNoView(_ store: some Store) async throws {
        try await populate(store)
        for (id, workspace) in [
            ("nobody", WorkspaceID.default), ("u3", .default), ("u1", TextStoreConformance.other),
            ("u1", WorkspaceID(unchecked: "ghost")),
        ] {
            #expect(
                try await store.profileView(of: user(id), in: workspace, recentItems: 10, mentionTargets: 10) == nil,
                "\(id) in \(workspace.rawValue)")
        }
    }

    /// A limit of 0 reads none of its part (and a negative mention limit none either); the rest
    /// of the view is still there.
    static func limitsOfZeroReadNothingOfTheirPart(_ store: some Store) async throws {
        try await populate(store)
        for mentionTargets in [0, -1] {
            let view = try #require(
                try await store.profileView(of: user("u1"), in: .default, recentItems: 0, mentionTargets: mentionTargets))
            #expect(view.recentLabels.isEmpty)
            #expect(view.mentions.isEmpty)
            #expect(view.mentionedItems.isEmpty)
            #expect(view.stored?.traits.eventCount == 3)
            #expect(view.imputations.count == 1)
            #expect(view.identifiers.count == 1)
        }
    }
}
