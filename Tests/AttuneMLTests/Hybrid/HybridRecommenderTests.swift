import Testing

@testable import AttuneML

struct HybridRecommenderTests {
    static func components() throws -> [any Recommender] {
        let seen = Fixtures.twoCommunities()
        let knn = try ItemKNN.fit(interactions: seen, configuration: .init(neighbors: 5))
        let content = try ContentRecommender.fit(
            sequences: Fixtures.twoCommunitySequences(),
            itemFeatures: try TFIDFVectorizer.fitTransform(documents: Fixtures.twoCommunityTexts()).features)
        return [knn, content, PopularityModel.fit(interactions: seen)]
    }

    static func model(_ normalization: HybridRecommender.Normalization = .minMax) throws -> HybridRecommender {
        try HybridRecommender(components: components(), weights: [1, 0.5, 0.1], normalization: normalization)
    }

    @Test func minMaxRescalesCandidatesToTheUnitInterval() {
        var s: [Float] = [5, 1, 3, 100, .nan]
        s.withUnsafeMutableBufferPointer { b in
            [Int32(3)].withUnsafeBufferPointer { HybridRecommender.normalize(b, excluding: $0, .minMax) }
        }
        #expect(s == [1, 0, 0.5, 0, 0])
        var flat: [Float] = [2, 2, 2]
        flat.withUnsafeMutableBufferPointer { b in
            HybridRecommender.normalize(b, excluding: .init(start: nil, count: 0), .minMax)
        }
        #expect(flat == [0, 0, 0])
    }

    @Test func zScoreCentresAndScalesCandidates() {
        var s: [Float] = [1, 9, 3, -50]
        s.withUnsafeMutableBufferPointer { b in
            [Int32(1)].withUnsafeBufferPointer { HybridRecommender.normalize(b, excluding: $0, .zScore) }
        }
        // Candidates 1, 3, -50: mean −15.33, deviation 24.51.
        let mean: Float = -46.0 / 3
        let deviation = ((pow2(1 - mean) + pow2(3 - mean) + pow2(-50 - mean)) / 3).squareRoot()
        #expect(abs(s[0] - (1 - mean) / deviation) < 1e-5)
        #expect(s[1] == 0)
        #expect(abs(s[3] - (-50 - mean) / deviation) < 1e-5)
    }

    @Test func blendIsTheWeightedSumOfNormalisedScores() throws {
        let parts = try Self.components()
        let hybrid = try Self.model()
        let seen = Fixtures.twoCommunities()
        let blended = RecommenderChecks.allScores(hybrid, seen: seen)
        let each = parts.map { RecommenderChecks.allScores($0, seen: seen) }
        for u in [0, 13] {
            let history = Array(seen.columns(ofRow: u))
            var expected = [Float](repeating: 0, count: 20)
            for (c, w) in zip(0..<3, [Float(1), 0.5, 0.1]) {
                var s = each[c][u]
                s.withUnsafeMutableBufferPointer { b in
                    history.withUnsafeBufferPointer { HybridRecommender.normalize(b, excluding: $0, .minMax) }
                }
                for i in 0..<20 { expected[i] += w * s[i] }
            }
            for i in 0..<20 { #expect(abs(blended[u][i] - expected[i]) < 1e-6) }
        }
    }

    @Test(arguments: HybridRecommender.Normalization.allCases)
    func recommendationsStayInsideTheCommunity(_ normalization: HybridRecommender.Normalization) throws {
        #expect(
            RecommenderChecks.staysInCommunity(try Self.model(normalization), seen: Fixtures.twoCommunities(), k: 3))
    }

    @Test func neverRecommendsSeenItems() throws {
        #expect(RecommenderChecks.neverRecommendsSeen(try Self.model(), seen: Fixtures.twoCommunities(), k: 5))
    }

    @Test func unknownUsersAndEmptyHistoriesGoThroughTheComponentsFallbacks() throws {
        let hybrid = try Self.model()
        #expect(hybrid.recommend(user: nil, history: [], k: 3).count == 3)
        let recs = hybrid.recommend(user: nil, history: [11, 14, 17], k: 3)
        #expect(recs.allSatisfy { $0 >= 10 && ![11, 14, 17].contains($0) })
        #expect(hybrid.recommendAll(seen: Fixtures.twoCommunities(), k: 0, threads: 2).allSatisfy { $0.isEmpty })
    }

    @Test func rejectsBadComponentsAndWeights() throws {
        let parts = try Self.components()
        #expect(throws: AttuneMLError.invalidArgument("")) { try HybridRecommender(components: [], weights: []) }
        #expect(throws: AttuneMLError.dimensionMismatch("")) { try HybridRecommender(components: parts, weights: [1]) }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try HybridRecommender(components: parts, weights: [1, -1, 0])
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try HybridRecommender(components: parts, weights: [0, 0, 0])
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try HybridRecommender(components: parts, weights: [.infinity, 0, 0])
        }
        let small = PopularityModel(itemScores: [1, 2, 3])
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try HybridRecommender(components: [parts[0], small], weights: [1, 1])
        }
    }

    @Test func saveLoadRoundTripGivesIdenticalScores() throws {
        let seen = Fixtures.twoCommunities()
        var parts = try Self.components()
        parts.append(
            try Item2Vec.fit(
                sequences: Fixtures.twoCommunitySequences(), itemCount: 20,
                configuration: .init(dimensions: 4, epochs: 5)))
        parts.append(try ImplicitALS.fit(interactions: seen, configuration: .init(factors: 4, iterations: 3)))
        parts.append(try BPR.fit(interactions: seen, configuration: .init(factors: 4, iterations: 3)))
        let hybrid = try HybridRecommender(
            components: parts, weights: [1, 0.5, 0.1, 0.3, 0.2, 0.7], normalization: .zScore)
        #expect(hybrid.savable)
        let loaded = try HybridRecommender(serialized: hybrid.serialized())
        #expect(loaded.weights == hybrid.weights && loaded.normalization == .zScore)
        #expect(RecommenderChecks.allScores(loaded, seen: seen) == RecommenderChecks.allScores(hybrid, seen: seen))
        // Nested hybrids load too.
        let outer = try HybridRecommender(components: [hybrid, parts[0]], weights: [1, 1])
        #expect(
            RecommenderChecks.allScores(try HybridRecommender(serialized: outer.serialized()), seen: seen)
                == RecommenderChecks.allScores(outer, seen: seen))
    }

    @Test func unsavableComponentsAndCorruptBlobsAreReported() throws {
        let unsavable = try HybridRecommender(components: [CrossCommunityModel()], weights: [1])
        #expect(!unsavable.savable)
        #expect(throws: AttuneMLError.invalidArgument("")) { try unsavable.checkedSerialized() }
        #expect(try Self.model().checkedSerialized() == Self.model().serialized())
        let bytes = try Self.model().serialized()
        #expect(throws: AttuneMLError.corruptData("")) { try HybridRecommender(serialized: Array(bytes.dropLast())) }
        // A component blob whose tag names no known kind.
        var w = BinaryWriter(tag: "HYBR", version: 1)
        w.write(UInt8(0))
        w.write([Float(1)])
        w.write(UInt64(1))
        var alien = BinaryWriter(tag: "ZZZZ", version: 1)
        alien.write(UInt32(1))
        w.write(bytes: alien.bytes)
        #expect(throws: AttuneMLError.corruptData("")) { try HybridRecommender(serialized: w.bytes) }
    }
}

private func pow2(_ x: Float) -> Float { x * x }
