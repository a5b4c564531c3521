import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// What every backend's customer texts and the relations found in them must do: what a user
/// talked about, who talked about an item, and what was mentioned together. Each check takes a
/// fresh, empty store.
package enum TextStoreConformance: ConformanceSuite {
    package typealias Store = TextStore & WorkspaceStore

    package static let other = WorkspaceID(unchecked: "other")
    static let ghost = WorkspaceID(unchecked: "ghost")

    package static let checks: [(name: String, run: @Sendable (any Store) async throws -> Void)] = [
        ("textsRoundTripWithTheirMentionsInOrder", { try await textsRoundTripWithTheirMentionsInOrder($0) }),
        ("itemsAUserTalkedAbout", { try await itemsAUserTalkedAbout($0) }),
        ("usersWhoTalkedAboutAnItem", { try await usersWhoTalkedAboutAnItem($0) }),
        ("itemsMentionedTogether", { try await itemsMentionedTogether($0) }),
        ("pagesAreCappedAtTheMaximumSize", { try await pagesAreCappedAtTheMaximumSize($0) }),
        ("negativeMentionsAtOrBelowTheThreshold", { try await negativeMentionsAtOrBelowTheThreshold($0) }),
        ("aDuplicateTextIdIsRefusedAndChangesNothing", { try await aDuplicateTextIdIsRefusedAndChangesNothing($0) }),
        ("oddTextsRoundTrip", { try await oddTextsRoundTrip($0) }),
        (
            "workspacesAreIsolatedAndUnknownOnesAnswerEmpty",
            { try await workspacesAreIsolatedAndUnknownOnesAnswerEmpty($0) }
        ),
        ("concurrentAppendsAreAllStoredAndPagedOnce", { try await concurrentAppendsAreAllStoredAndPagedOnce($0) }),
        ("aTailingReaderSeesEveryTextOnce", { try await aTailingReaderSeesEveryTextOnce($0) }),
    ]

    package static func item(_ id: String) -> MentionTarget { .item(ItemID(unchecked: id)) }
    static func user(_ id: String) -> UserID { UserID(unchecked: id) }

    package static func text(
        _ id: String, user: String, sentiment: Double?, _ targets: [MentionTarget], at offset: Int64 = 0
    ) -> CustomerText {
        CustomerText(
            id: TextID(unchecked: id), user: UserID(unchecked: user), source: .chat, body: "text \(id)",
            time: Fixtures.now.adding(milliseconds: offset), sentiment: sentiment,
            sentimentLabel: sentiment.map { $0 >= 0.05 ? "positive" : $0 <= -0.05 ? "negative" : "neutral" },
            entities: #"[{"kind":"email"}]"#,
            mentions: targets.map { TextMention(target: $0, sentiment: sentiment) }, createdAt: Fixtures.now)
    }

    /// The default and other workspaces, with four texts of three users in the default one.
    package static func populate(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(other, at: Fixtures.now)
        let texts = [
            text("t1", user: "u1", sentiment: 0.8, [item("a"), item("b"), .brand("acme")], at: 1),
            text("t2", user: "u1", sentiment: -0.7, [item("a"), item("c")], at: 2),
            text("t3", user: "u2", sentiment: 0.1, [item("a"), item("b")], at: 3),
            text("t4", user: "u3", sentiment: nil, [item("b")], at: 4),
        ]
        for t in texts { try await store.appendText(t, in: .default) }
    }

    static func textsRoundTripWithTheirMentionsInOrder(_ store: some Store) async throws {
        try await populate(store)
        let page = try await store.texts(of: user("u1"), in: .default, after: nil, limit: 1)
        let first = try #require(page.first)
        #expect(first.text == text("t1", user: "u1", sentiment: 0.8, [.brand("acme"), item("a"), item("b")], at: 1))
        let next = try await store.texts(of: user("u1"), in: .default, after: first.sequence, limit: 10)
        #expect(next.map(\.text.id.rawValue) == ["t2"])
        #expect(next.first?.text == text("t2", user: "u1", sentiment: -0.7, [item("a"), item("c")], at: 2))
        #expect(try #require(next.first).sequence > first.sequence)
        #expect(try await store.texts(of: user("u1"), in: .default, after: next.first?.sequence, limit: 10).isEmpty)
        #expect(
            try await store.texts(of: user("u3"), in: .default, after: nil, limit: 10).map(\.text.sentiment) == [nil])
        #expect(try await store.texts(of: user("u1"), in: .default, after: nil, limit: 0).isEmpty)
        #expect(try await store.texts(of: user("u1"), in: .default, after: nil, limit: -5).isEmpty)
    }

    static func itemsAUserTalkedAbout(_ store: some Store) async throws {
        try await populate(store)
        let all = try await store.mentions(of: user("u1"), in: .default, after: nil, limit: 10)
        #expect(all.map(\.target) == [.brand("acme"), item("a"), item("b"), item("c")])
        let a = try #require(all.first { $0.target == item("a") })
        #expect(a.user == user("u1"))
        #expect(a.count == 2)
        #expect(abs((a.meanSentiment ?? 0) - 0.05) < 1e-9)
        #expect(a.minSentiment == -0.7)
        #expect(a.lastTime == Fixtures.now.adding(milliseconds: 2))
        // Pages follow the target order.
        let first = try await store.mentions(of: user("u1"), in: .default, after: nil, limit: 2)
        let second = try await store.mentions(of: user("u1"), in: .default, after: first.last?.target, limit: 2)
        #expect((first + second).map(\.target) == all.map(\.target))
        #expect(try await store.mentions(of: user("u1"), in: .default, after: item("c"), limit: 2).isEmpty)
        #expect(try await store.mentions(of: user("nobody"), in: .default, after: nil, limit: 2).isEmpty)
    }

    static func usersWhoTalkedAboutAnItem(_ store: some Store) async throws {
        try await populate(store)
        let users = try await store.mentioners(of: item("b"), in: .default, after: nil, limit: 10)
        #expect(users.map(\.user.rawValue) == ["u1", "u2", "u3"])
        #expect(users.allSatisfy { $0.target == item("b") && $0.count == 1 })
        #expect(users.first?.meanSentiment == 0.8)
        #expect(users.last?.meanSentiment == nil)
        #expect(users.last?.minSentiment == nil)
        let page = try await store.mentioners(of: item("b"), in: .default, after: user("u1"), limit: 1)
        #expect(page.map(\.user.rawValue) == ["u2"])
        #expect(try await store.mentioners(of: item("zzz"), in: .default, after: nil, limit: 10).isEmpty)
        // A brand and an item of the same name are different targets.
        #expect(try await store.mentioners(of: .brand("a"), in: .default, after: nil, limit: 10).isEmpty)
        #expect(
            try await store.mentioners(of: .brand("acme"), in: .default, after: nil, limit: 10).map(\.user) == [
                user("u1")
            ])
    }

    static func itemsMentionedTogether(_ store: some Store) async throws {
        try await populate(store)
        let together = try await store.coMentioned(with: ItemID(unchecked: "a"), in: .default, offset: 0, limit: 10)
        #expect(
            together == [
                CoMention(item: ItemID(unchecked: "b"), texts: 2), CoMention(item: ItemID(unchecked: "c"), texts: 1),
            ])
        #expect(
            try await store.coMentioned(with: ItemID(unchecked: "a"), in: .default, offset: 1, limit: 10).map(
                \.item.rawValue) == ["c"])
        #expect(
            try await store.coMentioned(with: ItemID(unchecked: "a"), in: .default, offset: -3, limit: 1) == [
                together[0]
            ])
        #expect(try await store.coMentioned(with: ItemID(unchecked: "a"), in: .default, offset: 0, limit: -1).isEmpty)
        #expect(try await store.coMentioned(with: ItemID(unchecked: "a"), in: .default, offset: 99, limit: 10).isEmpty)
        // Brands are not items.
        #expect(
            try await store.coMentioned(with: ItemID(unchecked: "acme"), in: .default, offset: 0, limit: 10).isEmpty)
    }

    static func pagesAreCappedAtTheMaximumSize(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let size = type(of: store).maxPageSize
        let many = (0..<(size + 5)).map { MentionTarget.item(ItemID(unchecked: "i\($0)")) }
        try await store.appendText(text("big", user: "u", sentiment: 0.2, many), in: .default)
        let page = try await store.mentions(of: user("u"), in: .default, after: nil, limit: 1_000_000)
        #expect(page.count == size)
        #expect(
            try await store.coMentioned(with: ItemID(unchecked: "i0"), in: .default, offset: 0, limit: .max).count
                == size)
        let stored = try #require(try await store.texts(of: user("u"), in: .default, after: nil, limit: 10).first)
        #expect(stored.text.mentions.count == size + 5)
    }

    static func negativeMentionsAtOrBelowTheThreshold(_ store: some Store) async throws {
        try await populate(store)
        let negative = try await store.negativelyMentioned(by: user("u1"), in: .default, threshold: -0.5)
        #expect(negative == [item("a"), item("c")])
        #expect(
            try await store.negativelyMentioned(by: user("u1"), in: .default, threshold: -0.7) == [
                item("a"), item("c"),
            ])
        #expect(try await store.negativelyMentioned(by: user("u1"), in: .default, threshold: -0.71).isEmpty)
        #expect(try await store.negativelyMentioned(by: user("u1"), in: .default, threshold: 1).count == 4)
        // A text without sentiment is never negative.
        #expect(try await store.negativelyMentioned(by: user("u3"), in: .default, threshold: 100).isEmpty)
        // Nothing is at or below a threshold that is not a number.
        #expect(try await store.negativelyMentioned(by: user("u1"), in: .default, threshold: .nan).isEmpty)
        #expect(try await store.negativelyMentioned(by: user("u1"), in: .default, threshold: .infinity).count == 4)
        #expect(try await store.negativelyMentioned(by: user("u1"), in: .default, threshold: -.infinity).isEmpty)
    }

    static func aDuplicateTextIdIsRefusedAndChangesNothing(_ store: some Store) async throws {
        try await populate(store)
        await #expect {
            try await store.appendText(text("t1", user: "u9", sentiment: -1, [item("z")]), in: .default)
        } throws: { error in (error as? AttuneError)?.code == .conflict }
        #expect(try await store.texts(of: user("u9"), in: .default, after: nil, limit: 10).isEmpty)
        #expect(try await store.mentioners(of: item("z"), in: .default, after: nil, limit: 10).isEmpty)
        // The same id in another workspace is another text.
        try await store.appendText(text("t1", user: "u9", sentiment: -1, [item("z")]), in: other)
        #expect(try await store.mentioners(of: item("z"), in: other, after: nil, limit: 10).map(\.user) == [user("u9")])
    }

    static func oddTextsRoundTrip(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        // Multi-byte text, quotes and backslashes; a review of an item; no mentions at all.
        var review = text(
            "r1", user: "ü-1", sentiment: 0.5, [.brand("Müller & Söhne"), .brand("日本"), item("é")], at: -10)
        review.source = .review
        review.body = #"Très "bien" \ 👍🏽 — 日本語 "# + String(repeating: "ß", count: 50_000)
        review.item = ItemID(unchecked: "é")
        review.entities = #"[{"kind":"email","value":"<email_1>"}]"#
        try await store.appendText(review, in: .default)
        let page = try await store.texts(of: user("ü-1"), in: .default, after: nil, limit: 5)
        var stored = try #require(page.first).text
        #expect(
            stored
                == CustomerText(
                    id: review.id, user: review.user, source: .review, body: review.body, time: review.time,
                    item: review.item,
                    sentiment: 0.5, sentimentLabel: "positive", entities: review.entities,
                    mentions: [.brand("Müller & Söhne"), .brand("日本"), item("é")].map {
                        TextMention(target: $0, sentiment: 0.5)
                    },
                    createdAt: review.createdAt))

        let silent = CustomerText(
            id: TextID(unchecked: "s1"), user: user("ü-1"), source: .email, body: "", time: Fixtures.now,
            createdAt: Fixtures.now)
        try await store.appendText(silent, in: .default)
        stored = try #require(try await store.texts(of: user("ü-1"), in: .default, after: nil, limit: 5).last).text
        #expect(stored == silent)

        // The same mention twice in one text counts once; a sentiment that is not a number is
        // stored as none.
        var repeated = text("d1", user: "u", sentiment: .nan, [item("x"), item("x"), item("y")])
        repeated.sentimentLabel = nil
        try await store.appendText(repeated, in: .default)
        let read = try #require(try await store.texts(of: user("u"), in: .default, after: nil, limit: 5).first).text
        #expect(read.sentiment == nil)
        #expect(
            read.mentions == [
                TextMention(target: item("x"), sentiment: nil), TextMention(target: item("y"), sentiment: nil),
            ])
        let summaries = try await store.mentions(of: user("u"), in: .default, after: nil, limit: 10)
        #expect(summaries.map(\.count) == [1, 1])
        #expect(summaries.allSatisfy { $0.meanSentiment == nil && $0.minSentiment == nil })
        #expect(
            try await store.coMentioned(with: ItemID(unchecked: "x"), in: .default, offset: 0, limit: 10)
                == [CoMention(item: ItemID(unchecked: "y"), texts: 1)])
        // Mentions sort by byte order of their kind and value.
        let mentioned = try await store.mentions(of: user("ü-1"), in: .default, after: nil, limit: 10).map(\.target)
        #expect(mentioned == [.brand("Müller & Söhne"), .brand("日本"), item("é")])
    }

    static func workspacesAreIsolatedAndUnknownOnesAnswerEmpty(_ store: some Store) async throws {
        try await populate(store)
        await #expect(throws: AttuneError.notFound("workspace")) {
            try await store.appendText(text("g1", user: "u1", sentiment: 0, [item("a")]), in: ghost)
        }
        for workspace in [other, ghost] {
            #expect(try await store.texts(of: user("u1"), in: workspace, after: nil, limit: 10).isEmpty)
            #expect(try await store.mentions(of: user("u1"), in: workspace, after: nil, limit: 10).isEmpty)
            #expect(try await store.mentioners(of: item("a"), in: workspace, after: nil, limit: 10).isEmpty)
            #expect(
                try await store.coMentioned(with: ItemID(unchecked: "a"), in: workspace, offset: 0, limit: 10).isEmpty)
            #expect(try await store.negativelyMentioned(by: user("u1"), in: workspace, threshold: 1).isEmpty)
        }
        #expect(try await store.workspaces() == [.default, other])
    }

    /// Appends from several writers at once, many for one user: all are stored, and a user's
    /// pages list each of their texts once, in one order that only grows at the end.
    static func concurrentAppendsAreAllStoredAndPagedOnce(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await concurrentAppends(writers: Array(repeating: store, count: 4))
    }

    /// The shared body of the concurrent-writer checks: writer `w` appends 40 texts, alternating
    /// users `busy` and `w<w>`, and one text whose id every writer tries.
    package static func concurrentAppends(writers: [any Store]) async throws {
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for (w, writer) in writers.enumerated() {
                group.addTask {
                    var contested = 0
                    for n in 0..<40 {
                        let owner = n % 2 == 0 ? "busy" : "w\(w)"
                        try await writer.appendText(
                            text("w\(w)-\(n)", user: owner, sentiment: 0.1, [item("i\(n % 5)"), item("j\(w)")]),
                            in: .default)
                        if n == 20 {
                            do {
                                try await writer.appendText(
                                    text("contested", user: "busy", sentiment: 0, []), in: .default)
                                contested += 1
                            } catch let error as AttuneError where error.code == .conflict {}
                        }
                    }
                    return contested
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(results == 1, "exactly one writer stores the contested id")
        var seen: [String] = []
        var cursor: Int64?
        while true {
            let page = try await writers[0].texts(of: user("busy"), in: .default, after: cursor, limit: 7)
            seen += page.map(\.text.id.rawValue)
            guard let last = page.last else { break }
            cursor = last.sequence
        }
        #expect(seen.count == writers.count * 20 + 1)
        #expect(Set(seen).count == seen.count)
        let mentioners = try await writers[0].mentioners(of: item("i0"), in: .default, after: nil, limit: 100)
        #expect(mentioners.map(\.user.rawValue) == byteOrdered(["busy"] + writers.indices.map { "w\($0)" }))
        #expect(mentioners.map(\.count).reduce(0, +) == writers.count * 8)
    }

    static func aTailingReaderSeesEveryTextOnce(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await tailingReader(reader: store, writers: Array(repeating: store, count: 3))
    }

    /// The shared body of the tailing-reader checks: `reader` pages through one user's texts
    /// with `after:` while the writers append to them, until they are done and a page comes back
    /// empty. A text that commits after a reader has passed its sequence number would be missed.
    package static func tailingReader(reader: any Store, writers: [any Store]) async throws {
        let perWriter = 30
        let done = Locked(false)
        let seen = try await withThrowingTaskGroup(of: [String].self) { group in
            group.addTask {
                var ids: [String] = []
                var cursor: Int64?
                while true {
                    let finished = done.withLock { $0 }
                    let page = try await reader.texts(of: user("busy"), in: .default, after: cursor, limit: 7)
                    ids += page.map(\.text.id.rawValue)
                    cursor = page.last?.sequence ?? cursor
                    if page.isEmpty {
                        if finished { return ids }
                        await Task.yield()
                    }
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { writersGroup in
                for (w, writer) in writers.enumerated() {
                    writersGroup.addTask {
                        for n in 0..<perWriter {
                            try await writer.appendText(
                                text("tail-\(w)-\(n)", user: "busy", sentiment: 0.3, [item("i\(n % 3)")]), in: .default)
                        }
                    }
                }
                try await writersGroup.waitForAll()
            }
            done.withLock { $0 = true }
            return try await group.next() ?? []
        }
        #expect(seen.count == writers.count * perWriter)
        #expect(Set(seen).count == seen.count)
    }
}
