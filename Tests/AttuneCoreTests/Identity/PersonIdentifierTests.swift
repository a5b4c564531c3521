import AttuneCore
import Testing

struct PersonIdentifierTests {
    @Test(arguments: ["  Ann@Example.com", "ann@example.com ", "ANN@EXAMPLE.COM", "\tann@Example.Com\t"])
    func eMailAddressesAreTrimmedAndLowerCased(_ raw: String) throws {
        #expect(try PersonIdentifier.email(raw) == PersonIdentifier(kind: .email, value: "ann@example.com"))
    }

    @Test(arguments: ["", "   ", "ann", "ann@", "@example.com", "ann@example", "ann@@example.com", "a b@example.com",
                      "ann@example..com", "ann@.example.com", "ann@example.com,bob@example.com"])
    func malformedAddressesAreRefusedNamingTheField(_ raw: String) {
        #expect(throws: AttuneError.self) { try PersonIdentifier.email(raw, field: "traits.email") }
        do {
            _ = try PersonIdentifier.email(raw, field: "traits.email")
        } catch {
            #expect(error.field == "traits.email")
            #expect(error.code == .invalidValue)
            #expect(!error.message.contains(raw) || raw.trimmingSpaces().isEmpty, "no personal data in the message")
        }
    }

    @Test(arguments: [
        ("+44 20 7946 0958", nil, "+442079460958"),
        ("0044 (20) 7946-0958", nil, "+442079460958"),
        ("020 7946 0958", "44", "+442079460958"),
        ("+1 (415) 555.0100", "44", "+14155550100"),
        ("030/1234567", "49", "+49301234567"),
    ] as [(String, String?, String)])
    func phoneNumbersBecomeE164(_ raw: String, _ country: String?, _ expected: String) throws {
        #expect(try PersonIdentifier.phone(raw, defaultCountryCode: country).value == expected)
    }

    @Test(arguments: [
        ("020 7946 0958", nil), ("+44 20 ext 5", nil), ("+12", nil), ("+1234567890123456", nil), ("", "44"), ("+0 20 7946 0958", nil),
        ("++44 20 7946 0958", nil),
    ] as [(String, String?)])
    func malformedPhoneNumbersAreRefused(_ raw: String, _ country: String?) {
        #expect(throws: AttuneError.self) { try PersonIdentifier.phone(raw, defaultCountryCode: country) }
    }

    @Test func countryCodeOptionsAreChecked() throws {
        try PersonIdentifier.validateCountryCode("44", field: "x")
        for bad in ["", "0", "044", "4444", "+44", "4a"] {
            #expect(throws: AttuneError.self) { try PersonIdentifier.validateCountryCode(bad, field: "x") }
        }
    }

    @Test func identifierObjectsAreDecodedStrictly() throws {
        let json = try JSONParser().parse(#"{"email":" Ann@Example.com","phone":"+44 20 7946 0958","external:crm":"C-17"}"#)
        var skipped: [AttuneError] = []
        let identifiers = try PersonIdentifier.decodeList(json, field: "identifiers", skipped: &skipped)
        #expect(identifiers == [
            PersonIdentifier(kind: .email, value: "ann@example.com"),
            PersonIdentifier(kind: .phone, value: "+442079460958"),
            PersonIdentifier(kind: try .external("crm"), value: "C-17"),
        ])
        #expect(skipped.isEmpty)
        for (body, field) in [
            (#"{"fax":"1"}"#, "identifiers.fax"), (#"{"email":5}"#, "identifiers.email"), (#"["a"]"#, "identifiers"),
            (#"{"external:":"1"}"#, "identifiers.external:"), (#"{"external:c rm":"1"}"#, "identifiers.external:c rm"),
            (#"{"phone":5}"#, "identifiers.phone"),
        ] {
            do {
                _ = try PersonIdentifier.decodeList(try JSONParser().parse(body), field: "identifiers", skipped: &skipped)
                Issue.record("accepted \(body)")
            } catch {
                #expect(error.field == field, "\(body)")
            }
        }
    }

    @Test func aPhoneNumberThatIsNotOneIsSkippedNotFatal() throws {
        var skipped: [AttuneError] = []
        let json = try JSONParser().parse(#"{"email":"a@b.co","phone":"12345"}"#)
        let identifiers = try PersonIdentifier.decodeList(json, field: "identifiers", skipped: &skipped)
        #expect(identifiers.map(\.kind) == [.email])
        #expect(skipped.map(\.field) == ["identifiers.phone"])
        skipped = []
        let national = try PersonIdentifier.fromTraits(
            #"{"email":"a@b.co","phone":"0161 496 0000"}"#, defaultCountryCode: nil, skipped: &skipped)
        #expect(national.map(\.value) == ["a@b.co"])
        #expect(skipped.map(\.field) == ["traits.phone"])
    }

    @Test func traitsGiveTheirEmailAndPhone() throws {
        var skipped: [AttuneError] = []
        let found = try PersonIdentifier.fromTraits(
            #"{"email":"A@B.co","phone":"0161 496 0000","plan":"pro"}"#, defaultCountryCode: "44", skipped: &skipped)
        #expect(found.map(\.value) == ["a@b.co", "+441614960000"])
        #expect(throws: AttuneError.self) {
            try PersonIdentifier.fromTraits(#"{"email":"not-an-address"}"#, defaultCountryCode: nil, skipped: &skipped)
        }
        #expect(try PersonIdentifier.fromTraits(#"{"email":null,"phone":"  "}"#, defaultCountryCode: nil, skipped: &skipped).isEmpty)
    }
}
