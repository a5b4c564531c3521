import AttuneCore
import AttuneEngine
import Testing

struct EventPseudonymisationTests {
    static func event(properties: String? = nil, context: String? = nil) -> Event {
        Event(
            id: EventID.random(), type: EventType(unchecked: "view"), userID: UserID(unchecked: "u1"),
            properties: properties, context: context, timestamp: Timestamp(millisecondsSinceEpoch: 1_000),
            receivedAt: Timestamp(millisecondsSinceEpoch: 1_000))
    }

    @Test func personalStringsAtAnyDepthBecomeTokensAndNothingElseChanges() throws {
        let protection = PIIProtection(keys: PIIKeys.generate(), fields: PIIProtection.defaultFields.union(["card"]))
        var event = Self.event(
            properties: #"{"buyers":[{"email":"A@Example.org","n":1}],"card":"4111","ip":null,"plan":"pro","score":3}"#,
            context: #"{"ip":"198.51.100.4","locale":"fr"}"#)
        try protection.protect(&event)
        let properties = try JSONParser().parse(try #require(event.properties))
        #expect(properties["buyers"]?.arrayFirst?["email"]?["$pii"]?["token"] == .string(protection.token("a@example.org", field: "email")))
        #expect(properties["buyers"]?.arrayFirst?["n"] == .number(1))
        #expect(properties["card"]?["$pii"]?["token"] == .string(protection.token("4111", field: "card")))
        #expect(properties["ip"] == .null, "null is not personal data")
        #expect(properties["plan"] == .string("pro") && properties["score"] == .number(3))
        #expect(properties["card"]?["$pii"]?["value"] == nil, "events keep no ciphertext")
        let context = try JSONParser().parse(try #require(event.context))
        #expect(context["ip"]?["$pii"]?["token"] == .string(protection.token("198.51.100.4", field: "ip")))
        #expect(context["locale"] == .string("fr"))
        // The card number as a JSON string: bare, four digits turn up in a random hex token now and then.
        for raw in ["Example.org", #""4111""#, "198.51.100.4"] {
            #expect(!(event.properties! + event.context!).contains(raw), "\(raw)")
        }
        let once = event
        try protection.protect(&event)
        #expect(event == once, "protecting twice changes nothing")
    }

    @Test func eventsWithoutPersonalFieldsAreLeftByteForByte() throws {
        let protection = PIIProtection(keys: PIIKeys.generate())
        let properties = #"{"price":12.5,"title":"the ip address book"}"#
        var event = Self.event(properties: properties, context: #"{"locale":"de"}"#)
        try protection.protect(&event)
        #expect(event.properties == properties)
        #expect(event.context == #"{"locale":"de"}"#)
    }
}

extension JSONValue {
    fileprivate var arrayFirst: JSONValue? {
        if case .array(let elements) = self { return elements.first }
        return nil
    }
}
