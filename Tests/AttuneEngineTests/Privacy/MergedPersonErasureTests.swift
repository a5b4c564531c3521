import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation
import GRDB
import Logging
import Testing

struct MergedPersonErasureTests {
    @Test(arguments: [MergedPersonFixture.crm, MergedPersonFixture.shop, PersonFixture.user])
    func erasingAnyIdOfAMergedPersonErasesEveryIdFromEveryFile(named: UserID) async throws {
        let fixture = try await MergedPersonFixture()
        let store = fixture.store
        #expect(try await store.mergedUsers(into: fixture.canonical, in: .default).count == 2, "one person of three ids")
        try await store.checkpoint()
        for text in MergedPersonFixture.members.map(\.rawValue) + [MergedPersonFixture.shopPhrase] {
            #expect(!(try fixture.base.filesContaining(text)).isEmpty, "the search finds \(text) before erasure")
        }

        let erasure = UserErasure(store: store, clock: FixedClock(), registry: nil, files: fixture.base.files)
        let receipt = try #require(try await erasure.erase(named, in: .default, actor: "key_test"))
        #expect(receipt.counts.identityRecords >= 2 + 2 + 2, "e-mail and phone, two aliases, two merge rows")
        #expect(receipt.counts.texts == 3)
        #expect(receipt.counts.consentRecords >= 4)
        try await store.checkpoint()

        for text in MergedPersonFixture.traces {
            let holding = try fixture.base.filesContaining(text)
            #expect(holding.isEmpty, "\(text) is still in \(holding)")
        }
        let members = MergedPersonFixture.members
        #expect(try await store.identifiers(of: members, in: .default).isEmpty)
        #expect(try await store.merges(involving: members, in: .default).isEmpty)
        for member in members {
            #expect(try await store.canonicalUser(of: member, in: .default) == member)
            #expect(try await store.profile(of: member, in: .default) == nil)
            #expect(try await store.traits(of: member, in: .default) == nil)
            #expect(try await store.consent(of: member, in: .default) == nil)
            #expect(try await store.imputations(of: member, in: .default).isEmpty)
            #expect(try await store.texts(of: member, in: .default, after: nil, limit: 10).isEmpty)
            #expect(try await store.segments(of: member, in: .default).isEmpty)
            #expect(try await store.exposures(ofUnits: [member.rawValue], in: .default).isEmpty)
        }
        #expect(try await store.erasedUserDigests(in: .default) == Set(members.map { UserDigest.of($0) }))
        #expect(try await store.profile(of: UserID(unchecked: "a1"), in: .default) != nil, "others stay")
    }

    /// The last deletes of the transaction (the canonical user's texts, after both merged ids' rows
    /// went) fail: nothing of any member may be gone, and the consent cache must not claim it is.
    @Test func aFailureHalfWayThroughLeavesEveryMemberAsItWas() async throws {
        let fixture = try await MergedPersonFixture()
        let store = fixture.store
        #expect(try await store.mergedUsers(into: fixture.canonical, in: .default).count == 2)
        try await store.writer.write { [canonical = fixture.canonical.rawValue] db in
            try db.execute(sql: """
                CREATE TRIGGER zq_injected_failure BEFORE DELETE ON texts WHEN old.user_id = '\(canonical)'
                BEGIN SELECT RAISE(ABORT, 'injected failure'); END
                """)
        }
        #expect(try store.consentPermits(.personalization, for: MergedPersonFixture.crm.rawValue, in: .default))
        let before = try await Self.contents(of: store)

        let erasure = UserErasure(store: store, clock: FixedClock(), registry: nil, files: fixture.base.files)
        await #expect(throws: (any Error).self) { try await erasure.erase(MergedPersonFixture.shop, in: .default, actor: "key_test") }

        #expect(try await Self.contents(of: store) == before, "every table holds what it held")
        #expect(try await store.canonicalUser(of: MergedPersonFixture.shop, in: .default) == fixture.canonical)
        #expect(try await store.consent(of: MergedPersonFixture.crm, in: .default) != nil)
        #expect(try store.consentPermits(.personalization, for: MergedPersonFixture.crm.rawValue, in: .default))
        #expect(try await store.erasedUserDigests(in: .default).isEmpty)

        try await store.writer.write { db in try db.execute(sql: "DROP TRIGGER zq_injected_failure") }
        #expect(try await erasure.erase(MergedPersonFixture.shop, in: .default, actor: "key_test") != nil)
        #expect(try await store.erasedUserDigests(in: .default).count == 3)
    }

    /// Every row of every table, as text, by table name.
    static func contents(of store: SQLiteStore) async throws -> [String: [String]] {
        try await store.writer.read { db in
            var out: [String: [String]] = [:]
            let tables = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            for table in tables {
                out[table] = try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map(\.description)
            }
            return out
        }
    }
}
