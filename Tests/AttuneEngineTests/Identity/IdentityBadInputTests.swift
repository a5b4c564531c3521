import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Testing

struct IdentityBadInputTests {
    typealias ID = IdentityFixture

    func fixture() async throws -> IdentityFixture {
        var f = try await IdentityFixture()
        try await f.events("a", count: 2)
        try await f.events("b", count: 1)
        try await f.events("c", count: 1)
        _ = try await f.identity.merge([ID.id("b"), ID.id("c")], canonical: nil, in: .default, actor: "test")
        return f
    }

    @Test(arguments: [
        (["a", "a"], nil, AttuneError.Code.invalidValue, "users"),
        (["a"], nil, .invalidValue, "users"),
        (["a", "nobody"], nil, .notFound, "users[1]"),
        (["b", "c"], nil, .conflict, "users"),
        (["a", "b"], "z", .invalidValue, "canonical"),
    ] as [([String], String?, AttuneError.Code, String)])
    func badMergesAreRefusedAndChangeNothing(_ users: [String], _ canonical: String?, _ code: AttuneError.Code, _ field: String)
        async throws
    {
        let f = try await fixture()
        let before = try await f.state(["a", "b", "c"])
        do {
            _ = try await f.identity.merge(users.map(ID.id), canonical: canonical.map(ID.id), in: .default, actor: "test")
            Issue.record("accepted \(users)")
        } catch let error as AttuneError {
            #expect(error.code == code)
            #expect(error.field == field)
        }
        #expect(try await f.state(["a", "b", "c"]) == before)
    }

    @Test func badUnmergesAreRefusedAndChangeNothing() async throws {
        let f = try await fixture()
        let before = try await f.state(["a", "b", "c"])
        let merge = try #require(try await f.store.merges(involving: [ID.id("b")], in: .default).first)
        let cases: [(UserID, Int64?, AttuneError.Code)] = [
            (ID.id("nobody"), nil, .notFound),
            (ID.id("a"), nil, .conflict),  // a was never merged with anyone
            (ID.id("b"), 9_999, .notFound),
            (ID.id("a"), merge.id, .conflict),  // the merge does not involve a
        ]
        for (user, id, code) in cases {
            await #expect(throws: AttuneError.self) {
                try await f.identity.unmerge(user, merge: id, in: .default, actor: "test")
            }
            do {
                _ = try await f.identity.unmerge(user, merge: id, in: .default, actor: "test")
            } catch let error as AttuneError {
                #expect(error.code == code, "\(user) \(String(describing: id))")
            }
        }
        #expect(try await f.state(["a", "b", "c"]) == before)
        _ = try await f.identity.unmerge(ID.id("c"), merge: nil, in: .default, actor: "test")
        let afterOne = try await f.state(["a", "b", "c"])
        do {
            _ = try await f.identity.unmerge(ID.id("b"), merge: merge.id, in: .default, actor: "test")
            Issue.record("undid a merge twice")
        } catch let error as AttuneError {
            #expect(error.code == .conflict)
        }
        #expect(try await f.state(["a", "b", "c"]) == afterOne)
    }

    @Test func malformedIdentifiersAreRefusedBeforeAnythingIsStored() async throws {
        let f = try await fixture()
        let before = try await f.state(["a", "b", "c"])
        for bad in ["ann", "ann@", "ann@example", " @example.com"] {
            #expect(throws: AttuneError.self) { try PersonIdentifier.email(bad) }
        }
        #expect(throws: AttuneError.self) { try PersonIdentifier.phone("020 7946 0958") }
        #expect(try await f.state(["a", "b", "c"]) == before)
    }
}
