import AttuneCore
import Testing

struct JSONParserTests {
    let parser = JSONParser()

    @Test func parsesEveryKindOfValue() throws {
        let value = try parser.parse(#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "d\n\u00e9\ud83d\ude00"}} "#)
        #expect(value["a"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"] == .string("d\né😀"))
    }

    @Test func keepsMemberOrderAndSerialisesSortedOnRequest() throws {
        let value = try parser.parse(#"{"z": 1, "a": {"y": 2, "b": [3]}}"#)
        #expect(value.serialized() == #"{"z":1,"a":{"y":2,"b":[3]}}"#)
        #expect(value.serialized(sortedKeys: true) == #"{"a":{"b":[3],"y":2},"z":1}"#)
    }

    @Test func roundTripsEscapes() throws {
        let text = #"{"s":"quote\" backslash\\ tab\t ctrl\u0001"}"#
        let value = try parser.parse(text)
        #expect(try parser.parse(value.serialized()) == value)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "1e", "tru", "\"unterminated", "{\"a\" 1}", "[1 2]",
        "{\"a\":1} x", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "nan", "Infinity", "1e400", "{a:1}",
        "\"tab\there\"",
    ])
    func rejectsMalformedDocuments(_ text: String) {
        #expect(throws: AttuneError.self) { try parser.parse(text) }
    }

    @Test func rejectsDuplicateKeys() {
        let error = #expect(throws: AttuneError.self) { try parser.parse(#"{"a": 1, "a": 2}"#) }
        #expect(error?.code == .malformedJSON)
    }

    @Test func refusesDeepNestingWithoutRecursingIntoIt() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = #expect(throws: AttuneError.self) { try parser.parse(deep) }
        #expect(error?.message.contains("nesting") == true)
        let ok = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        #expect(throws: Never.self) { try parser.parse(ok) }
    }

    @Test(arguments: [
        [0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
        [0x22, 0xE2, 0x82, 0x22],
    ] as [[UInt8]])
    func rejectsInvalidUTF8(_ bytes: [UInt8]) {
        let error = #expect(throws: AttuneError.self) { try parser.parse(bytes) }
        #expect(error?.code == .invalidUTF8)
    }

    @Test func integralNumbersSerialiseWithoutFraction() {
        #expect(JSONValue.number(3).serialized() == "3")
        #expect(JSONValue.number(-0.5).serialized() == "-0.5")
        #expect(JSONValue.number(1e300).serialized() == "1e+300")
    }
}
