import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Testing

struct SegmentFeaturesTests {
    /// Shoppers of shoes and of books: the features carry each user's share of recent items per category.
    @Test func categorySharesComeFromRecentItemsAndTheCatalogue() async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.upsert(
            [Fixtures.item("s1", categories: ["shoes"]), Fixtures.item("s2", categories: ["shoes"]),
             Fixtures.item("b1", categories: ["books"]), Fixtures.item("x1")],
            in: .default)
        var events: [Event] = []
        var n: UInt64 = 0
        for (user, items) in [("walker", ["s1", "s2", "s1", "b1"]), ("reader", ["b1", "b1", "x1", "b1"])] {
            for item in items {
                n += 1
                events.append(Fixtures.event(n, user: user, item: item, at: Int64(n)))
            }
        }
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        let features = try await SegmentFeatures.load(from: store, workspace: .default, now: Fixtures.now)
        let shoes = try #require(features.names.firstIndex(of: "share_shoes"))
        let books = try #require(features.names.firstIndex(of: "share_books"))
        let d = features.names.count
        func value(_ user: String, _ column: Int) throws -> Float {
            let row = try #require(features.users.firstIndex(of: UserID(unchecked: user)))
            return features.values[row * d + column]
        }
        #expect(try value("walker", shoes) == 0.75)
        #expect(try value("walker", books) == 0.25)
        #expect(try value("reader", books) == 0.75, "the uncategorised item counts in the denominator")
        #expect(try value("reader", shoes) == 0)
    }
}
