import Testing

@testable import AttuneML

struct RecencyDecayTests {
    @Test func positionDecayHalvesPerHalfLife() throws {
        let w = try RecencyDecay.position(halfLife: 2).weights(count: 5)
        for (a, b) in zip(w, [0.25, 0.353_553_4, 0.5, 0.707_106_8, 1] as [Float]) { #expect(abs(a - b) < 1e-6) }
        #expect(try RecencyDecay.none.weights(count: 3) == [1, 1, 1])
        #expect(try RecencyDecay.position(halfLife: 1).weights(count: 0).isEmpty)
    }

    @Test func timeDecayCountsAgeBeforeTheLatestEvent() throws {
        let w = try RecencyDecay.time(halfLife: 10).weights(count: 3, timestamps: [0, 10, 20])
        #expect(w == [0.25, 0.5, 1])
        #expect(throws: AttuneMLError.invalidArgument("")) { try RecencyDecay.time(halfLife: 10).weights(count: 2) }
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try RecencyDecay.time(halfLife: 10).weights(count: 2, timestamps: [1])
        }
    }

    @Test func userItemWeightsKeepTheLatestAndSumRepeats() throws {
        let m = try RecencyDecay.position(halfLife: 1).userItemWeights(
            sequences: [[2, 0, 2, 1], []], itemCount: 3, limit: 3)
        #expect(Array(m.columns(ofRow: 0)) == [0, 1, 2])
        #expect(Array(m.values(ofRow: 0)) == [0.25, 1, 0.5])
        #expect(m.columns(ofRow: 1).isEmpty)
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try RecencyDecay.none.userItemWeights(sequences: [[0]], itemCount: 1, limit: 0)
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try RecencyDecay.position(halfLife: -1).userItemWeights(sequences: [[0]], itemCount: 1)
        }
    }

    @Test func roundTripsThroughBytes() throws {
        for d in [RecencyDecay.none, .position(halfLife: 3.5), .time(halfLife: 86_400)] {
            var w = BinaryWriter(tag: "TEST", version: 1)
            d.write(to: &w)
            var r = try BinaryReader(w.bytes, tag: "TEST", maxVersion: 1)
            #expect(try RecencyDecay(from: &r) == d)
        }
    }
}
