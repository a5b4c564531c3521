import AttuneCore
import AttuneTestSupport
import Testing

struct EventDecoderTests {
    let decoder = EventDecoder()
    let now = Fixtures.now

    func decode(_ text: String) throws(AttuneError) -> Event {
        try decoder.decode(try JSONParser().parse(text), receivedAt: now, newID: { Fixtures.eventID(99) })
    }

    @Test func decodesAFullEvent() throws {
        let event = try decode(
            #"""
            {"id": "6F1C2A52-5D7E-4C43-9A57-0D9C1B7E0001", "type": "purchase", "userId": "u1", "anonymousId": "a1",
             "sessionId": "s1", "itemId": "i1", "value": 19.99, "properties": {"b": 1, "a": [true]},
             "context": {"userAgent": "UA", "ip": "127.0.0.1"}, "timestamp": "2025-12-31T23:00:00Z"}
            """#)
        #expect(event.id.uuidString == "6f1c2a52-5d7e-4c43-9a57-0d9c1b7e0001")
        #expect(event.type == .purchase)
        #expect(event.userID == UserID(unchecked: "u1"))
        #expect(event.anonymousID == AnonymousID(unchecked: "a1"))
        #expect(event.value == 19.99)
        #expect(event.properties == #"{"a":[true],"b":1}"#)
        #expect(event.timestamp == Timestamp(iso8601: "2025-12-31T23:00:00Z"))
        #expect(event.receivedAt == now)
    }

    @Test func assignsAnIDAndTheReceiveTimeWhenMissing() throws {
        let event = try decode(#"{"type": "view", "anonymousId": "a1"}"#)
        #expect(event.id == Fixtures.eventID(99))
        #expect(event.timestamp == now)
    }

    @Test func acceptsEpochMillisecondsAndIntegerIDs() throws {
        let event = try decode(#"{"type": "view", "userId": 42, "itemId": 7, "timestamp": 1767225500000}"#)
        #expect(event.userID?.rawValue == "42")
        #expect(event.itemID?.rawValue == "7")
        #expect(event.timestamp.millisecondsSinceEpoch == 1_767_225_500_000)
    }

    @Test(arguments: [
        (#"[]"#, "", AttuneError.Code.invalidValue),
        (#"{"userId": "u"}"#, "type", .missingField),
        (#"{"type": "view"}"#, "userId", .missingField),
        (#"{"type": 5, "userId": "u"}"#, "type", .invalidValue),
        (#"{"type": "", "userId": "u"}"#, "type", .invalidValue),
        (#"{"type": "view", "userId": ""}"#, "userId", .invalidValue),
        (#"{"type": "view", "userId": "   "}"#, "userId", .invalidValue),
        (#"{"type": "view", "userId": "a\u0000b"}"#, "userId", .invalidValue),
        (#"{"type": "view", "userId": true}"#, "userId", .invalidValue),
        (#"{"type": "view", "userId": 1.5}"#, "userId", .invalidValue),
        (#"{"type": "view", "userId": "u", "value": "3"}"#, "value", .invalidValue),
        (#"{"type": "view", "userId": "u", "id": "not-a-uuid"}"#, "id", .invalidValue),
        (#"{"type": "view", "userId": "u", "properties": [1]}"#, "properties", .invalidValue),
        (#"{"type": "view", "userId": "u", "context": {"ip": 5}}"#, "context.ip", .invalidValue),
        (#"{"type": "view", "userId": "u", "timestamp": "yesterday"}"#, "timestamp", .invalidValue),
        (#"{"type": "view", "userId": "u", "timestamp": 1767225500}"#, "timestamp", .invalidValue),
        (#"{"type": "view", "userId": "u", "timestamp": -5}"#, "timestamp", .invalidValue),
        (#"{"type": "view", "userId": "u", "timestamp": "2030-01-01T00:00:00Z"}"#, "timestamp", .invalidValue),
        (#"{"type": "view", "userId": "u", "userID": "typo"}"#, "userID", .invalidValue),
    ])
    func rejectsInvalidEventsNamingTheField(_ text: String, _ field: String, _ code: AttuneError.Code) {
        let error = #expect(throws: AttuneError.self) { try decode(text) }
        #expect(error?.field == field)
        #expect(error?.code == code)
    }

    @Test func rejectsOverlongIdentifiersAndProperties() {
        let longID = String(repeating: "x", count: 257)
        #expect(throws: AttuneError.self) { try decode(#"{"type": "view", "userId": "\#(longID)"}"#) }
        let big = String(repeating: "y", count: 20_000)
        #expect(throws: AttuneError.self) { try decode(#"{"type": "view", "userId": "u", "properties": {"p": "\#(big)"}}"#) }
    }

    @Test func errorsNestUnderTheirBatchIndex() {
        let error = AttuneError.invalid("timestamp", "bad").nested(under: "batch[3]")
        #expect(error.field == "batch[3].timestamp")
    }
}
