import Testing

@testable import AttuneML

struct EntityExtractorTests {
    static func entities(_ text: String) -> [(TextEntity.Kind, String, String?)] {
        EntityExtractor().entities(in: text).map { ($0.kind, $0.text, $0.normalized) }
    }

    static func kinds(_ text: String) -> [TextEntity.Kind] { entities(text).map(\.0) }

    @Test func emailsAmongPunctuation() {
        let found = Self.entities("Mail (Jane.Doe+shop@Example.co.uk), not jane@localhost or @twitter or a@b..com.")
        #expect(found.count == 1)
        #expect(found.first?.1 == "Jane.Doe+shop@Example.co.uk")
        #expect(found.first?.2 == "jane.doe+shop@example.co.uk")
    }

    @Test func urlsWithoutTrailingSentencePunctuation() {
        let found = Self.entities("See https://shop.example.com/p?id=3&x=(1), or www.example.org. Also (http://a.io/x).")
        #expect(found.map(\.1) == ["https://shop.example.com/p?id=3&x=(1)", "www.example.org", "http://a.io/x"])
        #expect(found.allSatisfy { $0.0 == .url })
    }

    @Test(arguments: [
        ("Paid €12.50 today", "€12.50", "12.50 EUR"),
        ("It cost $1,299!", "$1,299", "1299.00 USD"),
        ("about 30 EUR", "30 EUR", "30.00 EUR"),
        ("nur 12,50 € bitte", "12,50 €", "12.50 EUR"),
        ("was 1.299,99€", "1.299,99€", "1299.99 EUR"),
        ("£7.5 refund", "£7.5", "7.50 GBP"),
        ("USD 40 fee", "USD 40", "40.00 USD"),
        ("20 dollars", "20 dollars", "20.00 USD"),
    ])
    func moneyAmounts(text: String, surface: String, normalized: String) {
        let found = Self.entities(text)
        #expect(found.count == 1)
        #expect(found.first?.0 == .money)
        #expect(found.first?.1 == surface)
        #expect(found.first?.2 == normalized)
    }

    @Test(arguments: [
        ("on 2024-03-05.", "2024-03-05", "2024-03-05"),
        ("delivered 25/12/2023", "25/12/2023", "2023-12-25"),
        ("delivered 12/25/2023", "12/25/2023", "2023-12-25"),
        ("am 5.3.2024", "5.3.2024", "2024-03-05"),
        ("by March 5, 2024", "March 5, 2024", "2024-03-05"),
        ("by 5th of March", "5th of March", "--03-05"),
        ("on Dec. 24th", "Dec. 24th", "--12-24"),
    ])
    func dates(text: String, surface: String, normalized: String) {
        let found = Self.entities(text)
        #expect(found.count == 1)
        #expect(found.first?.0 == .date)
        #expect(found.first?.1 == surface)
        #expect(found.first?.2 == normalized)
    }

    @Test func ambiguousDateHasNoNormalForm() {
        let found = Self.entities("on 03/04/2024")
        #expect(found.first?.0 == .date)
        #expect(found.first?.2 == nil)
        #expect(Self.kinds("may I ask? March is long") == [])
    }

    @Test(arguments: [
        ("Where is #12345?", "#12345", "12345"),
        ("my order 98765 is late", "order 98765", "98765"),
        ("Order no. A-55123", "Order no. A-55123", "A-55123"),
        ("order number: 4411", "order number: 4411", "4411"),
        ("order #77881 arrived", "order #77881", "77881"),
        ("ref ORD-2024-001, thanks", "ORD-2024-001", "ORD-2024-001"),
    ])
    func orderNumbers(text: String, surface: String, normalized: String) {
        let found = Self.entities(text)
        #expect(found.count == 1)
        #expect(found.first?.0 == .orderNumber)
        #expect(found.first?.1 == surface)
        #expect(found.first?.2 == normalized)
    }

    @Test(arguments: [
        ("call +44 20 7946 0958 now", "+44 20 7946 0958", "+442079460958"),
        ("or (555) 123-4567.", "(555) 123-4567", "5551234567"),
        ("tel 030-1234567", "030-1234567", "0301234567"),
        ("ring 555.123.4567", "555.123.4567", "5551234567"),
    ])
    func phoneNumbers(text: String, surface: String, normalized: String) {
        let found = Self.entities(text)
        #expect(found.count == 1)
        #expect(found.first?.0 == .phone)
        #expect(found.first?.1 == surface)
        #expect(found.first?.2 == normalized)
    }

    @Test func numbersThatAreNotPhones() {
        #expect(Self.kinds("I bought 1234567 grains, COVID-19, size 42, in 2024") == [])
        #expect(Self.kinds("order 12345678 for €1,299.00 on 2024-01-05") == [.orderNumber, .money, .date])
    }

    @Test func mixedUnicodeText() {
        let found = Self.entities("Größe 😀 passt nicht — Bestellung #88812, Rückruf unter +49 30 1234567, ✉ max@beispiel.de")
        #expect(found.map(\.0) == [.orderNumber, .phone, .email])
        #expect(found.map(\.1) == ["#88812", "+49 30 1234567", "max@beispiel.de"])
        let text = "Größe 😀 passt nicht — Bestellung #88812"
        let entity = EntityExtractor().entities(in: text)[0]
        #expect(String(decoding: Array(text.utf8)[entity.range], as: UTF8.self) == "#88812")
    }

    @Test func emptyAndGarbageText() {
        #expect(Self.kinds("").isEmpty)
        #expect(Self.kinds("@@@ ### $$$ €€ .. -- ++ () 12..").isEmpty)
        #expect(Self.kinds(String(repeating: "9", count: 5000)).isEmpty)
    }
}
