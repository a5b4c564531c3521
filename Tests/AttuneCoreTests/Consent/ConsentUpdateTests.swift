import AttuneCore
import Testing

struct ConsentUpdateTests {
    @Test func decodesAnySubsetOfPurposesAndTheSource() throws {
        let update = try ConsentUpdate.decode(try JSONParser().parse(#"{"personalization": false, "source": "tracker"}"#))
        #expect(update == ConsentUpdate(choices: ConsentChoices(personalization: false), source: "tracker"))
        let plain = try ConsentUpdate.decode(try JSONParser().parse(#"{"analytics": true, "marketing": false}"#))
        #expect(plain.source == "api")
        #expect(plain.choices == ConsentChoices(analytics: true, marketing: false))
    }

    @Test func undecidedPurposesFollowThePolicy() {
        let choices = ConsentChoices(analytics: false)
        #expect(choices.permits(.analytics, under: .optOut) == false)
        #expect(choices.permits(.personalization, under: .optOut))
        #expect(choices.permits(.personalization, under: .optIn) == false)
        #expect(ConsentChoices(marketing: true).permits(.marketing, under: .optIn))
    }

    @Test func laterDecisionsOverwriteOnlyTheirPurposes() {
        let merged = ConsentChoices(analytics: false, marketing: true).applying(ConsentChoices(marketing: false))
        #expect(merged == ConsentChoices(analytics: false, marketing: false))
    }

    @Test(arguments: [
        ConsentChoices(), ConsentChoices(analytics: true), ConsentChoices(analytics: false, personalization: true, marketing: false),
        ConsentChoices(personalization: false),
    ])
    func theStoredFormRoundTrips(_ choices: ConsentChoices) {
        #expect(ConsentChoices(encoded: choices.encoded) == choices)
        #expect(choices.encoded.count == 3)
    }

    @Test func sourcesAreShortAndPlain() throws {
        #expect(throws: AttuneError.self) { try ConsentUpdate.validatedSource("") }
        #expect(throws: AttuneError.self) { try ConsentUpdate.validatedSource(String(repeating: "a", count: 65)) }
        #expect(throws: AttuneError.self) { try ConsentUpdate.validatedSource("a b") }
        #expect(throws: AttuneError.self) { try ConsentUpdate.validatedSource("jane@example.org") }
        #expect(try ConsentUpdate.validatedSource("crm-import_v2.1") == "crm-import_v2.1")
    }
}
