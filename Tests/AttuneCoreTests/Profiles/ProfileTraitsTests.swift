import AttuneCore
import Testing

struct ProfileTraitsTests {
    static let minute: Int64 = 60_000

    @Test func sessionsSplitOnThirtyMinutesOfSilenceOrANewSessionID() {
        var t = ProfileTraits()
        t.apply(type: "view", sessionID: nil, value: nil, timestamp: 0)
        t.apply(type: "view", sessionID: nil, value: nil, timestamp: 10 * Self.minute)
        // 31 minutes of silence: a second session.
        t.apply(type: "view", sessionID: nil, value: nil, timestamp: 41 * Self.minute)
        t.apply(type: "view", sessionID: nil, value: nil, timestamp: 45 * Self.minute)
        #expect(t.sessionCount == 2)
        #expect(t.meanSessionSeconds == 7 * 60)
        // Client session ids win over the gap rule: same id after an hour is the same session,
        // a new id a minute later is a new one.
        t.apply(type: "view", sessionID: "s1", value: nil, timestamp: 46 * Self.minute)
        t.apply(type: "view", sessionID: "s1", value: nil, timestamp: 106 * Self.minute)
        t.apply(type: "view", sessionID: "s2", value: nil, timestamp: 107 * Self.minute)
        #expect(t.sessionCount == 4)
        #expect(t.firstSeen == 0)
        #expect(t.lastSeen == 107 * Self.minute)
        #expect(t.eventCount == 7)
        #expect(t.countsByType == ["view": 7])
    }

    @Test func purchasesGiveFrequencyMonetaryAndRecency() {
        var t = ProfileTraits()
        t.apply(type: "purchase", sessionID: nil, value: 20, timestamp: 1_000)
        t.apply(type: "purchase", sessionID: nil, value: .nan, timestamp: 500)
        t.apply(type: "view", sessionID: nil, value: 99, timestamp: 2_000)
        #expect(t.purchaseCount == 2)
        #expect(t.monetary == 20)
        #expect(t.lastPurchase == 1_000)
        let json = t.publicJSON(now: Timestamp(millisecondsSinceEpoch: 1_000 + 2 * 86_400_000))
        #expect(json["rfm"]?["recencyDays"] == .number(2))
        #expect(json["rfm"]?["frequency"] == .number(2))
    }

    @Test func affinityWeighsRecentItemsMost() {
        let affinity = LabelAffinity(items: [(["old"], []), (["old"], []), (["new", "new"], ["t"])])
        #expect(affinity.categories["new"] == 1)
        #expect(abs(affinity.categories["old"]! - (LabelAffinity.decayPerItem + LabelAffinity.decayPerItem * LabelAffinity.decayPerItem)) < 1e-12)
        #expect(affinity.top(affinity.categories, 1).first?.label == "old")
        #expect(affinity.top(affinity.tags, 5).map(\.share) == [1])
        var twentyBack = 1.0
        for _ in 0..<20 { twentyBack *= LabelAffinity.decayPerItem }
        #expect(abs(twentyBack - 0.5) < 1e-12)
        #expect(LabelAffinity().top([:], 3).isEmpty)
    }

    @Test func typeCountsEncodeAnyPrintableTypeName() throws {
        var t = ProfileTraits()
        for type in ["view", "a:b,c=d;e", "émoji 🎉", "view"] { t.apply(type: type, sessionID: nil, value: nil, timestamp: 1) }
        #expect(try ProfileTraits.decodeTypeCounts(t.encodedTypeCounts) == t.countsByType)
        #expect(t.countsByType["view"] == 2)
        #expect(try ProfileTraits.decodeTypeCounts("") == [:])
        #expect(throws: AttuneError.self) { try ProfileTraits.decodeTypeCounts("view\u{1F}x") }
        #expect(throws: AttuneError.self) { try ProfileTraits.decodeTypeCounts("view") }
    }
}
