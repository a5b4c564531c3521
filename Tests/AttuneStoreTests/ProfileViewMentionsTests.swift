import AttuneCore
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import Testing

/// Texts stay under the id they were written for; a merged person's profile view counts the
/// mentions of all its ids.
struct ProfileViewMentionsTests {
    @Test func aMergedPersonsMentionsAreThoseOfEveryId() async throws {
        let store = try SQLiteStore()
        try await TextStoreConformance.populate(store)
        for user in ["u1", "u2"] {
            try await store.record(
                Identify(anonymousID: nil, userID: UserID(unchecked: user), traits: #"{"plan":"x"}"#, timestamp: Fixtures.now),
                in: .default)
        }
        _ = try await store.merge(
            [UserID(unchecked: "u1"), UserID(unchecked: "u2")], canonical: UserID(unchecked: "u1"), in: .default,
            actor: "test", at: Fixtures.now)
        for asked in ["u1", "u2"] {
            let view = try #require(
                try await store.profileView(of: UserID(unchecked: asked), in: .default, recentItems: 10, mentionTargets: 10))
            #expect(view.user.rawValue == "u1")
            let a = try #require(view.mentions.first { $0.target == TextStoreConformance.item("a") })
            #expect(a.count == 3, "u1's two mentions of a and u2's one")
            #expect(a.user.rawValue == "u1")
            #expect(a.lastTime == Fixtures.now.adding(milliseconds: 3))
            #expect(view.mentions.map(\.target) == [.brand("acme"), TextStoreConformance.item("a"), TextStoreConformance.item("b"), TextStoreConformance.item("c")])
        }
    }
}
