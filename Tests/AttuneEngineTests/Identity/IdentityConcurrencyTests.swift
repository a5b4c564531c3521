import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Testing

struct IdentityConcurrencyTests {
    typealias ID = IdentityFixture

    /// Two writers merge overlapping sets at once (one through a shared e-mail, one by hand, one
    /// undoing): whatever order SQLite gives them, the result is one consistent person.
    @Test func overlappingMergesFromTwoTasksLeaveOneConsistentPerson() async throws {
        var f = try await IdentityFixture()
        let users = (0..<12).map { "u\($0)" }
        for user in users { try await f.events(user, count: 2) }
        let identity = f.identity
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for user in users[0..<8] {
                    _ = try await identity.attach(
                        [(ID.id(user), [try PersonIdentifier.email("shared@example.com")])], source: "crm", in: .default, actor: "t1")
                }
            }
            group.addTask {
                for k in 4..<11 {
                    do {
                        _ = try await identity.merge([ID.id("u\(k)"), ID.id("u\(k + 1)")], canonical: nil, in: .default, actor: "t2")
                    } catch let error as AttuneError where error.code == .conflict {
                        // The other task got there first: they are one person already.
                    }
                }
            }
            try await group.waitForAll()
        }
        let canonical = try await f.canonical("u0")
        for user in users { #expect(try await f.canonical(user) == canonical) }
        let merged = try await f.store.mergedUsers(into: ID.id(canonical), in: .default)
        #expect(merged.count == 11)
        // No alias points at another alias, and every event is on the one profile.
        for alias in merged { #expect(try await f.store.canonicalUser(of: alias, in: .default).rawValue == canonical) }
        #expect(try await f.store.profile(of: ID.id(canonical), in: .default)?.traits.eventCount == 24)
        let active = try await f.store.merges(involving: users.map(ID.id), in: .default).filter { $0.undoneAt == nil }
        #expect(active.count == 11, "one merge row per member joined")
        let report = try await ProfileRebuild(store: f.store, clock: f.clock).run(workspace: .default, write: false)
        #expect(report.driftedCount == 0)
        #expect(report.users == 1)
    }
}
