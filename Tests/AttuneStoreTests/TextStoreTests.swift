import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// Customer texts and the relations stored with them: what a user talked about, who talked about
/// an item, and what was mentioned together.
struct TextStoreTests {
    static func item(_ id: String) -> MentionTarget { .item(ItemID(unchecked: id)) }

    static func text(
        _ id: String, user: String, sentiment: Double?, _ targets: [MentionTarget], at offset: Int64 = 0
    ) -> CustomerText {
        CustomerText(
            id: TextID(unchecked: id), user: UserID(unchecked: user), source: .chat, body: "text \(id)",
            time: Fixtures.now.adding(milliseconds: offset), sentiment: sentiment,
            sentimentLabel: sentiment.map { SentimentText.label($0) }, entities: #"[{"kind":"email"}]"#,
            mentions: targets.map { TextMention(target: $0, sentiment: sentiment) }, createdAt: Fixtures.now)
    }

    enum SentimentText {
        static func label(_ v: Double) -> String { v >= 0.05 ? "positive" : v <= -0.05 ? "negative" : "neutral" }
    }

    static func populated() async throws -> SQLiteStore {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let texts = [
            text("t1", user: "u1", sentiment: 0.8, [item("a"), item("b"), .brand("acme")], at: 1),
            text("t2", user: "u1", sentiment: -0.7, [item("a"), item("c")], at: 2),
            text("t3", user: "u2", sentiment: 0.1, [item("a"), item("b")], at: 3),
            text("t4", user: "u3", sentiment: nil, [item("b")], at: 4),
        ]
        for t in texts { try await store.appendText(t, in: .default) }
        return store
    }

    @Test func textsRoundTripWithTheirMentionsInOrder() async throws {
        let store = try await Self.populated()
        let page = try await store.texts(of: UserID(unchecked: "u1"), in: .default, after: nil, limit: 1)
        let first = try #require(page.first)
        #expect(first.text == Self.text("t1", user: "u1", sentiment: 0.8, [.brand("acme"), Self.item("a"), Self.item("b")], at: 1))
        let next = try await store.texts(of: UserID(unchecked: "u1"), in: .default, after: first.sequence, limit: 10)
        #expect(next.map(\.text.id.rawValue) == ["t2"])
    }

    @Test func itemsAUserTalkedAbout() async throws {
        let store = try await Self.populated()
        let all = try await store.mentions(of: UserID(unchecked: "u1"), in: .default, after: nil, limit: 10)
        #expect(all.map(\.target) == [.brand("acme"), Self.item("a"), Self.item("b"), Self.item("c")])
        let a = try #require(all.first { $0.target == Self.item("a") })
        #expect(a.count == 2)
        #expect(abs((a.meanSentiment ?? 0) - 0.05) < 1e-9)
        #expect(a.minSentiment == -0.7)
        #expect(a.lastTime == Fixtures.now.adding(milliseconds: 2))
        // Pages follow the target order.
        let first = try await store.mentions(of: UserID(unchecked: "u1"), in: .default, after: nil, limit: 2)
        let second = try await store.mentions(of: UserID(unchecked: "u1"), in: .default, after: first.last?.target, limit: 2)
        #expect((first + second).map(\.target) == all.map(\.target))
    }

    @Test func usersWhoTalkedAboutAnItem() async throws {
        let store = try await Self.populated()
        let users = try await store.mentioners(of: Self.item("b"), in: .default, after: nil, limit: 10)
        #expect(users.map(\.user.rawValue) == ["u1", "u2", "u3"])
        #expect(users.last?.meanSentiment == nil)
        let page = try await store.mentioners(of: Self.item("b"), in: .default, after: UserID(unchecked: "u1"), limit: 1)
        #expect(page.map(\.user.rawValue) == ["u2"])
        #expect(try await store.mentioners(of: Self.item("zzz"), in: .default, after: nil, limit: 10).isEmpty)
    }

    @Test func itemsMentionedTogether() async throws {
        let store = try await Self.populated()
        let together = try await store.coMentioned(with: ItemID(unchecked: "a"), in: .default, offset: 0, limit: 10)
        #expect(together == [CoMention(item: ItemID(unchecked: "b"), texts: 2), CoMention(item: ItemID(unchecked: "c"), texts: 1)])
        #expect(try await store.coMentioned(with: ItemID(unchecked: "a"), in: .default, offset: 1, limit: 10).map(\.item.rawValue) == ["c"])
        // Brands are not items.
        #expect(try await store.coMentioned(with: ItemID(unchecked: "acme"), in: .default, offset: 0, limit: 10).isEmpty)
    }

    @Test func pagesAreCappedAtTheMaximumSize() async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let many = (0..<(SQLiteStore.maxPageSize + 5)).map { MentionTarget.item(ItemID(unchecked: "i\($0)")) }
        try await store.appendText(Self.text("big", user: "u", sentiment: 0.2, many), in: .default)
        let page = try await store.mentions(of: UserID(unchecked: "u"), in: .default, after: nil, limit: 1_000_000)
        #expect(page.count == SQLiteStore.maxPageSize)
    }

    @Test func negativeMentionsAtOrBelowTheThreshold() async throws {
        let store = try await Self.populated()
        let negative = try await store.negativelyMentioned(by: UserID(unchecked: "u1"), in: .default, threshold: -0.5)
        #expect(negative == [Self.item("a"), Self.item("c")])
        #expect(try await store.negativelyMentioned(by: UserID(unchecked: "u3"), in: .default, threshold: -0.5).isEmpty)
    }

    @Test func theCatalogueVersionChangesWithTheCatalogue() async throws {
        let store = try await Self.populated()
        let empty = try await store.catalogVersion(in: .default)
        try await store.upsert([Fixtures.item("x1")], in: .default)
        let one = try await store.catalogVersion(in: .default)
        #expect(one != empty)
        #expect(try await store.catalogVersion(in: .default) == one)
        try await store.upsert([Fixtures.item("x1", title: "Renamed", at: Fixtures.now.adding(milliseconds: 5))], in: .default)
        #expect(try await store.catalogVersion(in: .default) != one)
    }

    @Test func aDuplicateTextIdIsRefusedAndChangesNothing() async throws {
        let store = try await Self.populated()
        await #expect(throws: AttuneError.self) {
            try await store.appendText(Self.text("t1", user: "u9", sentiment: -1, [Self.item("z")]), in: .default)
        }
        #expect(try await store.texts(of: UserID(unchecked: "u9"), in: .default, after: nil, limit: 10).isEmpty)
        #expect(try await store.mentioners(of: Self.item("z"), in: .default, after: nil, limit: 10).isEmpty)
    }
}
