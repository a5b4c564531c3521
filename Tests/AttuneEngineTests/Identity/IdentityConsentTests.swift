import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Testing

struct IdentityConsentTests {
    typealias ID = IdentityFixture

    @Test func aMergedPersonHasTheMostRestrictiveConsentPerPurposeAndUnmergeLoosensNothing() async throws {
        var f = try await IdentityFixture()
        try await f.events("a", count: 2)
        try await f.events("b", count: 2)
        _ = try await f.store.recordConsent(
            [(ID.id("a"), ConsentUpdate(choices: ConsentChoices(marketing: true))),
             (ID.id("b"), ConsentUpdate(choices: ConsentChoices(personalization: true, marketing: false)))],
            in: .default, at: f.clock.now())
        _ = try await f.identity.merge([ID.id("a"), ID.id("b")], canonical: ID.id("a"), in: .default, actor: "test")
        let merged = try #require(try await f.store.consent(of: ID.id("a"), in: .default))
        #expect(merged.choices.marketing == false, "b's refusal is the person's")
        #expect(merged.choices.personalization == nil, "b's grant is not carried over")
        #expect(merged.history.last?.source == "merge")
        _ = try await f.identity.unmerge(ID.id("b"), merge: nil, in: .default, actor: "test")
        #expect(try await f.store.consent(of: ID.id("a"), in: .default)?.choices.marketing == false)
        #expect(try await f.store.consent(of: ID.id("b"), in: .default)?.choices == ConsentChoices(personalization: true, marketing: false))
    }

    @Test func aRefusalOfPersonalizationByAMergedIdRemovesThePersonsProfile() async throws {
        var f = try await IdentityFixture()
        try await f.events("a", count: 2)
        try await f.events("b", count: 2)
        _ = try await f.store.recordConsent(
            [(ID.id("b"), ConsentUpdate(choices: ConsentChoices(personalization: false)))], in: .default, at: f.clock.now())
        _ = try await f.identity.merge([ID.id("a"), ID.id("b")], canonical: ID.id("a"), in: .default, actor: "test")
        #expect(try await f.store.profile(of: ID.id("a"), in: .default) == nil)
        #expect(try await f.store.events(of: ID.id("a"), in: .default, after: nil, limit: 10).count == 4, "events are kept")
        let report = try await ProfileRebuild(store: f.store, clock: f.clock).run(workspace: .default, write: false)
        #expect(report.driftedCount == 0)
    }
}
