import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

struct MergedPersonErasureTests {
    static let crmID = UserID(unchecked: "zq-crm-contact-7731")

    @Test func erasingAMergedIdErasesTheWholePersonFromEveryFile() async throws {
        let fixture = try await PersonFixture()
        let identity = IdentityResolution(store: fixture.store, clock: FixedClock(), keys: PIIKeys.generate())
        // A CRM record of the same person (the e-mail written differently) with events of its own.
        try await fixture.store.record(
            Identify(anonymousID: nil, userID: Self.crmID, traits: #"{"tier":"gold"}"#, timestamp: Fixtures.now.adding(milliseconds: 1_000), source: "crm"),
            in: .default)
        _ = try await fixture.store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(990_001, user: Self.crmID.rawValue, item: "B1", at: 5_000),
            Fixtures.event(990_002, user: Self.crmID.rawValue, item: "B2", at: 6_000),
        ])])
        _ = try await identity.attach(
            [(PersonFixture.user, [try PersonIdentifier.email(PersonFixture.email)]),
             (Self.crmID, [try PersonIdentifier.email("  " + PersonFixture.email.uppercased())])],
            source: "crm", in: .default, actor: "key_test")
        let canonical = try await fixture.store.canonicalUser(of: Self.crmID, in: .default)
        #expect(canonical == PersonFixture.user, "the person was known first")
        try await fixture.store.checkpoint()
        #expect(!(try fixture.filesContaining(Self.crmID.rawValue)).isEmpty, "the search finds the merged id before erasure")

        let erasure = UserErasure(store: fixture.store, clock: FixedClock(), registry: nil, files: fixture.files)
        let receipt = try #require(try await erasure.erase(Self.crmID, in: .default, actor: "key_test"))
        // Both ids' events, the linked visitor's, and the segment events that name them.
        #expect(receipt.counts.events >= 6 + 1 + 2)
        #expect(receipt.counts.identityRecords >= 3, "identifiers, the alias and the merge row")
        try await fixture.store.checkpoint()
        for text in [PersonFixture.user.rawValue, Self.crmID.rawValue, PersonFixture.visitor.rawValue, PersonFixture.email] {
            let holding = try fixture.filesContaining(text)
            #expect(holding.isEmpty, "\(text) is still in \(holding)")
        }
        #expect(try await fixture.store.identifiers(of: [PersonFixture.user, Self.crmID], in: .default).isEmpty)
        #expect(try await fixture.store.merges(involving: [PersonFixture.user, Self.crmID], in: .default).isEmpty)
        #expect(try await fixture.store.canonicalUser(of: Self.crmID, in: .default) == Self.crmID)
        #expect(try await fixture.store.profile(of: UserID(unchecked: "a1"), in: .default) != nil, "others stay")
    }
}
