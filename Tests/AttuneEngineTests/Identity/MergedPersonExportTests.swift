import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Testing

/// What a merged-in id held under its own name before the merge is part of the person's export.
struct MergedPersonExportTests {
    @Test func theExportOfAMergedPersonHoldsTheMergedIdsTextsConsentAndHistory() async throws {
        var f = try await IdentityFixture()
        try await f.events("a", count: 2)
        try await f.events("b", count: 2)
        try await f.store.appendText(
            CustomerText(
                id: TextID(unchecked: "t-b"), user: IdentityFixture.id("b"), source: .review, body: "the i1 broke",
                time: f.clock.now(), createdAt: f.clock.now()),
            in: .default)
        _ = try await f.store.recordConsent(
            [(IdentityFixture.id("b"), ConsentUpdate(choices: ConsentChoices(marketing: false)))], in: .default, at: f.clock.now())
        _ = try await f.identity.merge([IdentityFixture.id("a"), IdentityFixture.id("b")], canonical: IdentityFixture.id("a"),
                                       in: .default, actor: "test")
        let exporter = UserExport(store: f.store, clock: f.clock) { _ in nil }
        for named in ["a", "b"] {
            let summary = try #require(try await exporter.begin(IdentityFixture.id(named), in: .default, actor: "test"))
            var text = ""
            try await exporter.write(summary) { text += $0 }
            let document = try JSONParser().parse(text)
            #expect(document["userId"]?.stringValue == "a")
            guard case .array(let texts)? = document["texts"], case .array(let merged)? = document["mergedIds"] else {
                Issue.record("no texts or mergedIds in \(text.prefix(400))")
                continue
            }
            #expect(texts.contains { $0["text"]?.stringValue == "the i1 broke" }, "b's review is the person's")
            #expect(merged.first?["userId"]?.stringValue == "b")
            #expect(merged.first?["consent"]?["purposes"]?["marketing"] == .bool(false))
            guard case .array(let history)? = merged.first?["history"] else {
                Issue.record("no history for b")
                continue
            }
            #expect(!history.isEmpty, "b's profile versions before the merge")
            guard case .array(let events)? = document["events"] else { continue }
            #expect(events.count == 4)
        }
    }
}
