import Testing

@testable import AttuneML

struct BinaryCodingStringsTests {
    @Test func roundTripsStringsAndBlobs() throws {
        var w = BinaryWriter(tag: "TEST", version: 1)
        w.write(strings: ["", "café", "東京", "🎬"])
        w.write(bytes: [0, 255, 7])
        var r = try BinaryReader(w.bytes, tag: "TEST", maxVersion: 1)
        #expect(try r.readStrings() == ["", "café", "東京", "🎬"])
        #expect(try r.readBytes() == [0, 255, 7])
        try r.expectEnd()
    }

    @Test func rejectsTruncatedAndInvalidUTF8() throws {
        var w = BinaryWriter(tag: "TEST", version: 1)
        w.write(bytes: [0xFF, 0xFE])
        var r = try BinaryReader(w.bytes, tag: "TEST", maxVersion: 1)
        #expect(throws: AttuneMLError.corruptData("")) { try r.readString() }
        var huge = BinaryWriter(tag: "TEST", version: 1)
        huge.write(UInt64.max)
        var r2 = try BinaryReader(huge.bytes, tag: "TEST", maxVersion: 1)
        #expect(throws: AttuneMLError.corruptData("")) { try r2.readBytes() }
    }
}
