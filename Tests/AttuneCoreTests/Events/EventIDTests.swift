import AttuneCore
import Testing

struct EventIDTests {
    @Test func parsesAndFormatsUUIDs() throws {
        let id = try #require(EventID(uuidString: "{6F1C2A52-5D7E-4C43-9A57-0D9C1B7E0001}"))
        #expect(id.uuidString == "6f1c2a52-5d7e-4c43-9a57-0d9c1b7e0001")
        #expect(EventID(bytes: id.bytes) == id)
    }

    @Test(arguments: ["", "6f1c2a52", "6f1c2a52-5d7e-4c43-9a57-0d9c1b7e000g", "6f1c2a525d7e4c439a570d9c1b7e0001xxxx"])
    func rejectsMalformedUUIDs(_ text: String) {
        #expect(EventID(uuidString: text) == nil)
    }

    @Test func randomIDsAreVersion4AndDerivedIDsVersion8() {
        var generator = SystemRandomNumberGenerator()
        let random = EventID.random(using: &generator)
        #expect(Array(random.uuidString)[14] == "4")
        let derived = EventID.derived(fromDigest: Array(repeating: 0xAB, count: 32))
        #expect(Array(derived.uuidString)[14] == "8")
        #expect(derived == EventID.derived(fromDigest: Array(repeating: 0xAB, count: 32)))
    }

    /// Server-assigned ids come from a pool refilled 4 KiB (256 ids) at a time: across refills
    /// and from concurrent tasks they stay distinct version-4 UUIDs with the RFC 4122 variant.
    @Test func serverAssignedIDsAreDistinctVersion4UUIDsAcrossRefills() async {
        let ids = await withTaskGroup(of: [EventID].self) { group in
            for _ in 0..<4 { group.addTask { (0..<1_000).map { _ in EventID.random() } } }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(ids).count == 4_000)
        for id in ids {
            #expect(id.high & 0xF000 == 0x4000)
            #expect(id.low >> 62 == 0b10)
            #expect(EventID(uuidString: id.uuidString) == id)
        }
        // Not a constant stream: about half of the 124 free bits differ between neighbours.
        #expect(ids.count > 1 && (ids[0].high ^ ids[1].high).nonzeroBitCount > 8)
    }
}
