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

    /// A wrong merge must not let a stranger's grant undo the person's refusal; a refusal through
    /// the merged id still reaches the person.
    @Test func aGrantThroughAMergedIdDoesNotUndoThePersonsRefusal() async throws {
        var f = try await IdentityFixture()
        try await f.events("a", count: 1)
        try await f.events("b", count: 1)
        _ = try await f.store.recordConsent(
            [(ID.id("a"), ConsentUpdate(choices: ConsentChoices(marketing: false)))], in: .default, at: f.clock.now())
        _ = try await f.identity.merge([ID.id("a"), ID.id("b")], canonical: ID.id("a"), in: .default, actor: "test")
        _ = try await f.store.recordConsent(
            [(ID.id("b"), ConsentUpdate(choices: ConsentChoices(analytics: true, marketing: true)))], in: .default, at: f.clock.now())
        let person = try #require(try await f.store.consent(of: ID.id("a"), in: .default))
        #expect(person.choices.marketing == false, "the person's refusal stands")
        #expect(person.choices.analytics == true, "a grant where the person had not refused applies")
        _ = try await f.store.recordConsent(
            [(ID.id("b"), ConsentUpdate(choices: ConsentChoices(analytics: false)))], in: .default, at: f.clock.now())
        #expect(try await f.store.consent(of: ID.id("a"), in: .default)?.choices.analytics == false, "a refusal reaches the person")
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
