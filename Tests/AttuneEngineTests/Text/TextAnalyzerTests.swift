import AttuneCore
import AttuneEngine
import AttuneML
import AttuneTestSupport
import Testing

struct TextAnalyzerTests {
    static let names = CatalogNames(items: [
        Item(
            id: ItemID(unchecked: "c1"), title: "Café Crème", properties: #"{"brand":"Maison Déjà"}"#,
            createdAt: Fixtures.now, updatedAt: Fixtures.now),
        Item(id: ItemID(unchecked: "c2"), title: "TV", createdAt: Fixtures.now, updatedAt: Fixtures.now),
        Item(id: ItemID(unchecked: "c3"), title: "抹茶", createdAt: Fixtures.now, updatedAt: Fixtures.now),
    ])

    @Test func decomposedAndCompatibilityFormsMatchTheCatalogue() {
        let analyzer = TextAnalyzer(sentiment: nil, pseudonymizer: nil)
        // "e" + combining acute accent, and full-width letters.
        let analysis = analyzer.analyze("my cafe\u{301} CRE\u{300}ME from ＭＡＩＳＯＮ DÉJÀ", names: Self.names)
        #expect(analysis.mentions == [.item(ItemID(unchecked: "c1")), .brand("maison déjà")])
        // The body is stored in NFC.
        #expect(analysis.body.unicodeScalars.contains("\u{E9}"))
        #expect(!analysis.body.unicodeScalars.contains("\u{301}"))
    }

    @Test func shortLatinTitlesAreNotMatchedButTwoIdeographsAre() {
        let analysis = TextAnalyzer(sentiment: nil, pseudonymizer: nil).analyze("the TV broke", names: Self.names)
        #expect(analysis.mentions.isEmpty)
        let tea = TextAnalyzer(sentiment: nil, pseudonymizer: nil).analyze("この抹茶はおいしい", names: Self.names)
        #expect(tea.mentions == [.item(ItemID(unchecked: "c3"))])
    }

    @Test func personalDataIsKeptWhenPseudonymisationIsOff() {
        let text = "mail a.b@example.org or 555-123-4567"
        let kept = TextAnalyzer(sentiment: nil, pseudonymizer: nil).analyze(text, names: nil)
        #expect(kept.body == text)
        let hidden = TextAnalyzer(sentiment: nil, pseudonymizer: TextPseudonymizer(secret: Array(repeating: 1, count: 32)))
            .analyze(text, names: nil)
        #expect(!hidden.body.contains("a.b@example.org") && !hidden.body.contains("4567"))
        #expect(hidden.body.hasPrefix("mail [email:") && hidden.body.contains(" or [phone:"))
    }

    @Test func tokensDependOnTheKeyAndTheNormalForm() {
        let a = TextPseudonymizer(secret: Array(repeating: 1, count: 32))
        let b = TextPseudonymizer(secret: Array(repeating: 2, count: 32))
        #expect(a.token(kind: "email", value: "x@y.io") == a.token(kind: "email", value: "x@y.io"))
        #expect(a.token(kind: "email", value: "x@y.io") != b.token(kind: "email", value: "x@y.io"))
        let one = TextAnalyzer(sentiment: nil, pseudonymizer: a).analyze("X@Y.io", names: nil).body
        let two = TextAnalyzer(sentiment: nil, pseudonymizer: a).analyze("x@y.IO", names: nil).body
        #expect(one == two)
    }

    @Test func submissionValidation() throws {
        #expect(throws: AttuneError.self) { try TextSubmission.validate(text: "a\u{7F}b", maxBytes: 100) }
        #expect(throws: AttuneError.self) { try TextSubmission.validate(text: "\u{85}", maxBytes: 100) }
        #expect(throws: AttuneError.self) { try TextSubmission.validate(text: "\u{3000}\u{A0}", maxBytes: 100) }
        try TextSubmission.validate(text: "line one\r\nline two\ttab 😀 東京", maxBytes: 100)
        do {
            try TextSubmission.validate(text: String(repeating: "a", count: 101), maxBytes: 100)
            Issue.record("accepted a text over the limit")
        } catch {
            #expect(error.code == .payloadTooLarge)
        }
    }
}
