import AttuneCore
import Testing

struct PersonalDataIDTests {
    @Test(arguments: [
        ("ann@example.com", PersonalDataID.Kind?.some(.email)),
        ("  Ann.B+tag@Example.CO.uk ", .email),
        ("+447700900123", .phone),
        (" +44 (0)7700-900 123", .phone),
        ("+1 415 555 0100", .phone),
        ("u1", nil),
        ("447700900123", nil),  // a customer number as often as a phone number
        ("user@tenant", nil),  // no dotted domain: not an address
        ("@example.com", nil),
        ("+12", nil),  // too short for E.164
        ("order+5", nil),
        ("email-3f2a9c", nil),
        ("00447700900123", nil),  // an unbroken run could be a zero-padded customer number
        ("0012345678", nil),
        (" 0044 7700 900 123", .phone),
        ("sensor-7@10.0.0.12", nil),  // a device at an IP address, not a mailbox
        ("svc@v2.1", nil),
        ("job@build.v2", nil),
        ("x@host.c", nil),  // a one-letter top-level label
        ("ann@example.xn--p1ai", .email),
        ("ann@пример.рф", .email),
        ("0012", nil),
    ])
    func recognisesAddressesAndInternationalNumbers(id: String, expected: PersonalDataID.Kind?) {
        #expect(PersonalDataID.kind(of: id) == expected)
    }

    @Test func theRefusalNamesTheFieldAndNotTheValue() throws {
        let error = try #require(throws: AttuneError.self) { try PersonalDataID.refuse("ann@example.com", field: "userId") }
        #expect(error.code == .invalidValue)
        #expect(error.field == "userId")
        #expect(error.message.contains("\"email\" identifier"))
        #expect(!error.message.contains("ann@example.com"))
        let phone = try #require(throws: AttuneError.self) { try PersonalDataID.refuse("+447700900123", field: "id") }
        #expect(phone.message.contains("phone number") && !phone.message.contains("7700"))
        try PersonalDataID.refuse("u1", field: "userId")
    }
}
