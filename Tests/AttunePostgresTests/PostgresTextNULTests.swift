import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import Testing

/// PostgreSQL text cannot hold NUL, which SQLite stores: catalogue, text and imputation writes
/// holding one are refused before anything is written, naming the field, instead of failing
/// with a storage error.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresTextNULTests {
    @Test func anItemWithANULIsRefusedNamingTheField() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            try await store.upsert([Fixtures.item("a", title: "Kept")], in: .default)
            var bad = Fixtures.item("b")
            bad.tags = ["ok", "no\u{0}pe"]
            await #expect(throws: AttuneError.invalid("items[1].tags[1]", "must not contain a NUL character")) {
                try await store.upsert([Fixtures.item("a", title: "Changed"), bad], in: .default)
            }
            bad = Fixtures.item("b", title: "\u{0}")
            await #expect(throws: AttuneError.invalid("items[0].title", "must not contain a NUL character")) {
                try await store.upsert([bad], in: .default)
            }
            #expect(try await store.allItems(in: .default).map(\.title) == ["Kept"])
        }
    }

    @Test func aTextWithANULIsRefusedNamingTheField() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            var text = TextStoreConformance.text("t1", user: "u1", sentiment: 0.5, [.brand("a\u{0}b")])
            await #expect(throws: AttuneError.invalid("mentions[0]", "must not contain a NUL character")) {
                try await store.appendText(text, in: .default)
            }
            text.mentions = []
            text.body = "before\u{0}after"
            await #expect(throws: AttuneError.invalid("body", "must not contain a NUL character")) {
                try await store.appendText(text, in: .default)
            }
            #expect(try await store.texts(of: UserID(unchecked: "u1"), in: .default, after: nil, limit: 10).isEmpty)
        }
    }

    @Test func anImputationWithANULIsRefusedNamingTheField() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            await #expect(throws: AttuneError.invalid("attribute", "must not contain a NUL character")) {
                try await store.replaceImputations(of: "a\u{0}", with: [], in: .default, at: Fixtures.now)
            }
            await #expect(throws: AttuneError.invalid("values[0].value", "must not contain a NUL character")) {
                try await store.replaceImputations(
                    of: "age", with: [(UserID(unchecked: "u1"), "\"\u{0}\"", 0.5)], in: .default, at: Fixtures.now)
            }
        }
    }
}
