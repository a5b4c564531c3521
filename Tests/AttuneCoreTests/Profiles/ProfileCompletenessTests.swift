import AttuneCore
import Testing

struct ProfileCompletenessTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    static func traits(events: Int, sessions: Int, daysAgo: Double) -> ProfileTraits {
        var traits = ProfileTraits()
        let last = now.millisecondsSinceEpoch - Int64(daysAgo * 86_400_000)
        for e in 0..<events {
            // Sessions split evenly; 31 minutes apart starts a new one.
            let session = e * sessions / max(1, events)
            traits.apply(type: "view", sessionID: "s\(session)", value: nil, timestamp: last - Int64(events - e))
        }
        return traits
    }

    @Test func anEmptyProfileScoresZeroAndAFullOneNearlyOne() {
        let empty = ProfileCompleteness(declaredNames: [], traits: ProfileTraits(), now: Self.now)
        #expect(empty == ProfileCompleteness(declaredNames: [], traits: ProfileTraits(), now: Self.now))
        #expect(empty.score == 0)
        let full = ProfileCompleteness(
            declaredNames: ["email", "age", "gender", "country", "language"], traits: Self.traits(events: 200, sessions: 40, daysAgo: 0),
            now: Self.now)
        #expect(full.declared == 1)
        #expect(full.behaviour > 0.99)
        #expect(full.score > 0.99 && full.score <= 1)
    }

    @Test func declaredFieldsCountByTheirWeights() {
        let some = ProfileCompleteness(declaredNames: ["age", "phone", "favourite_colour"], traits: ProfileTraits(), now: Self.now)
        #expect(abs(some.declared - 0.5) < 1e-12)
        #expect(abs(some.score - 0.2) < 1e-12)
    }

    @Test func behaviourSaturatesAndDecaysWithRecency() {
        let few = ProfileCompleteness(declaredNames: [], traits: Self.traits(events: 2, sessions: 1, daysAgo: 0), now: Self.now)
        let many = ProfileCompleteness(declaredNames: [], traits: Self.traits(events: 60, sessions: 1, daysAgo: 0), now: Self.now)
        let stale = ProfileCompleteness(declaredNames: [], traits: Self.traits(events: 60, sessions: 1, daysAgo: 90), now: Self.now)
        #expect(few.behaviour < many.behaviour)
        #expect(stale.behaviour < many.behaviour)
        // 60 events: 0.5 × (1 − e^−3) + 0.3 × (1 − e^−0.2) + 0.2 × e^0.
        let expected = 0.5 * (1 - 0.049787068367863944) + 0.3 * (1 - 0.8187307530779818) + 0.2
        #expect(abs(many.behaviour - expected) < 1e-9)
    }

    @Test(arguments: [-800.0, -30, -1, -0.5, 0, 0.3, 2, 10])
    func theExponentialMatchesTheLibrary(x: Double) {
        let reference: [Double: Double] = [
            -800: 0, -30: 9.357622968840175e-14, -1: 0.36787944117144233, -0.5: 0.6065306597126334, 0: 1,
            0.3: 1.3498588075760032, 2: 7.38905609893065, 10: 22026.465794806718,
        ]
        let expected = reference[x]!
        #expect(abs(ProfileCompleteness.exp(x) - expected) <= max(1e-300, expected * 1e-12))
    }
}
