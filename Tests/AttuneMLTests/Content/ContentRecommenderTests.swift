import Testing

@testable import AttuneML

struct ContentRecommenderTests {
    static func features() throws -> SparseMatrix {
        try TFIDFVectorizer.fitTransform(documents: Fixtures.twoCommunityTexts()).features
    }

    static func model(_ configuration: ContentRecommender.Configuration = .init()) throws -> ContentRecommender {
        try ContentRecommender.fit(
            sequences: Fixtures.twoCommunitySequences(), itemFeatures: features(),
            configuration: configuration)
    }

    @Test func recommendationsStayInsideTheCommunity() throws {
        #expect(RecommenderChecks.staysInCommunity(try Self.model(), seen: Fixtures.twoCommunities(), k: 3))
    }

    @Test func neverRecommendsSeenItems() throws {
        #expect(RecommenderChecks.neverRecommendsSeen(try Self.model(), seen: Fixtures.twoCommunities(), k: 5))
    }

    @Test func scoresAreCosinesWithTheSummedProfile() throws {
        // Items 0 and 2 share a category; item 1 has another; item 3 has no text at all.
        let docs = [
            ItemText(title: "alpha", categories: ["A"]), ItemText(title: "beta", categories: ["B"]),
            ItemText(title: "gamma", categories: ["A"]), ItemText(),
        ]
        let x = try TFIDFVectorizer.fitTransform(documents: docs).features
        let model = try ContentRecommender.fit(
            sequences: [[0, 1]], itemFeatures: x, configuration: .init(decay: .none))
        let scores = RecommenderChecks.allScores(model, seen: try SparseMatrix(rowLists: [[0, 1]], columnCount: 4))[0]
        let dense = (0..<4).map { r in (0..<x.columnCount).map { x[r, $0] } }
        let profile = zip(dense[0], dense[1]).map { $0 + $1 }
        let norm = VectorKernels.norm(profile)
        for j in 0..<3 {
            #expect(abs(scores[j] - VectorKernels.dot(profile, dense[j]) / norm) < 1e-5)
        }
        #expect(scores[3] == 0)
    }

    @Test func recencyDecayFavoursTheLatestItemsTaste() throws {
        let docs = [
            ItemText(categories: ["A"]), ItemText(categories: ["B"]), ItemText(categories: ["A"]),
            ItemText(categories: ["B"]),
        ]
        let x = try TFIDFVectorizer.fitTransform(documents: docs).features
        let decay = ContentRecommender.Configuration(decay: .position(halfLife: 0.5))
        let latestB = try ContentRecommender.fit(sequences: [[0, 1]], itemFeatures: x, configuration: decay)
        let latestA = try ContentRecommender.fit(sequences: [[1, 0]], itemFeatures: x, configuration: decay)
        #expect(latestB.recommend(user: 0, history: [0, 1], k: 1) == [3])
        #expect(latestA.recommend(user: 0, history: [0, 1], k: 1) == [2])
        // Time decay: the older item (t = 0) is a week before the newer one (t = 604800).
        let byTime = try ContentRecommender.fit(
            sequences: [[1, 0]], timestamps: [[0, 604_800]], itemFeatures: x,
            configuration: .init(decay: .time(halfLife: 86_400)))
        #expect(byTime.recommend(user: 0, history: [0, 1], k: 1) == [2])
    }

    @Test func historyLimitKeepsOnlyTheLatestItems() throws {
        let model = try Self.model(.init(decay: .none, historyLimit: 2))
        #expect(model.userWeights.columns(ofRow: 0).count == 2)
        let sequence = Fixtures.twoCommunitySequences()[0]
        #expect(Set(model.userWeights.columns(ofRow: 0)) == Set(sequence.suffix(2)))
    }

    @Test func embeddingsCanReplaceOrJoinTheText() throws {
        let seen = Fixtures.twoCommunities()
        let onlyEmbeddings = try ContentRecommender.fit(
            sequences: Fixtures.twoCommunitySequences(), itemEmbeddings: Fixtures.twoCommunityEmbeddings(),
            configuration: .init(embeddingWeight: 1))
        #expect(onlyEmbeddings.itemFeatures.columnCount == 0)
        #expect(RecommenderChecks.staysInCommunity(onlyEmbeddings, seen: seen, k: 3))
        let both = try ContentRecommender.fit(
            sequences: Fixtures.twoCommunitySequences(), itemFeatures: Self.features(),
            itemEmbeddings: Fixtures.twoCommunityEmbeddings(), configuration: .init(embeddingWeight: 0.5))
        #expect(RecommenderChecks.staysInCommunity(both, seen: seen, k: 3))
        // The blend is the cosine of the concatenation [√(1−w)·x, √w·e], recomputed here by hand.
        let mixed = RecommenderChecks.allScores(both, seen: seen)[0]
        let w: Float = 0.5
        let terms = both.itemFeatures.columnCount
        func z(_ j: Int) -> [Float] {
            (0..<terms).map { (1 - w).squareRoot() * both.itemFeatures[j, $0] }
                + both.itemEmbeddings.row(j).map { w.squareRoot() * $0 }
        }
        var profile = [Float](repeating: 0, count: terms + 3)
        for (i, weight) in zip(both.userWeights.columns(ofRow: 0), both.userWeights.values(ofRow: 0)) {
            VectorKernels.axpy(weight, z(Int(i)), &profile)
        }
        for j in 0..<20 {
            let expected = VectorKernels.dot(profile, z(j)) / (VectorKernels.norm(profile) * VectorKernels.norm(z(j)))
            #expect(abs(mixed[j] - expected) < 1e-5)
        }
    }

    @Test func unknownUserIsScoredFromTheGivenHistoryAndWeights() throws {
        let model = try Self.model()
        let recs = model.recommend(user: nil, history: [11, 14], k: 3)
        #expect(recs.count == 3 && recs.allSatisfy { $0 >= 10 && ![11, 14].contains($0) })
        // A user index beyond the trained ones is unknown too.
        #expect(model.recommend(user: 99, history: [11, 14], k: 3) == recs)
        // Weights pick the taste: mostly community 0 despite one community-1 item.
        let weighted = model.recommend(user: nil, history: [2, 15], values: [1, 0.01], k: 3)
        #expect(weighted.allSatisfy { $0 < 10 })
    }

    @Test func emptyHistoryFallsBackToPopularity() throws {
        let sequences: [[Int32]] = [[0, 1], [1], [1, 2]]
        let model = try ContentRecommender.fit(sequences: sequences, itemFeatures: Self.features())
        #expect(model.recommend(user: nil, history: [], k: 3) == [1, 0, 2])
        // Items outside the catalogue in an unknown user's history are ignored, not a crash.
        #expect(model.recommend(user: nil, history: [-1, 500], k: 2) == [1, 0])
    }

    @Test func nonPositiveKGivesEmptyLists() throws {
        let model = try Self.model()
        #expect(model.recommend(user: 0, history: [1], k: 0).isEmpty)
        #expect(model.recommendAll(seen: Fixtures.twoCommunities(), k: 0, threads: 2).allSatisfy { $0.isEmpty })
        #expect(model.recommendAll(seen: Fixtures.twoCommunities(), k: -3, threads: 1).allSatisfy { $0.isEmpty })
    }

    @Test func fittingIsDeterministic() throws {
        #expect(try Self.model() == Self.model())
    }

    @Test func popularityWeightOnlyBreaksTies() throws {
        // Items 1 and 2 have the same content; item 2 is more popular.
        let docs = [
            ItemText(categories: ["A"]), ItemText(categories: ["B"]), ItemText(categories: ["B"]),
            ItemText(categories: ["A"]),
        ]
        let x = try TFIDFVectorizer.fitTransform(documents: docs).features
        let sequences: [[Int32]] = [[0, 3], [2], [2]]
        let plain = try ContentRecommender.fit(sequences: sequences, itemFeatures: x)
        let tieBroken = try ContentRecommender.fit(
            sequences: sequences, itemFeatures: x, configuration: .init(popularityWeight: 1e-6))
        #expect(plain.recommend(user: nil, history: [1], values: [1], k: 1) == [2])
        #expect(plain.recommend(user: 0, history: [0, 3], k: 2) == [1, 2])
        #expect(tieBroken.recommend(user: 0, history: [0, 3], k: 2) == [2, 1])
    }

    @Test func rejectsBadInput() throws {
        let x = try Self.features()
        let s = Fixtures.twoCommunitySequences()
        for c in [
            ContentRecommender.Configuration(embeddingWeight: 1.5), .init(historyLimit: 0),
            .init(decay: .position(halfLife: 0)), .init(popularityWeight: -1),
        ] {
            #expect(throws: AttuneMLError.invalidArgument("")) {
                try ContentRecommender.fit(sequences: s, itemFeatures: x, configuration: c)
            }
        }
        #expect(throws: AttuneMLError.invalidArgument("")) { try ContentRecommender.fit(sequences: s) }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try ContentRecommender.fit(sequences: s, itemFeatures: x, configuration: .init(embeddingWeight: 0.5))
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try ContentRecommender.fit(sequences: s, itemFeatures: x, configuration: .init(decay: .time(halfLife: 10)))
        }
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try ContentRecommender.fit(
                sequences: s, itemFeatures: x, itemEmbeddings: DenseMatrix(rowCount: 3, columnCount: 2),
                configuration: .init(embeddingWeight: 0.5))
        }
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try ContentRecommender.fit(
                sequences: [[0, 1]], timestamps: [[5]], itemFeatures: x,
                configuration: .init(decay: .time(halfLife: 10)))
        }
        #expect(throws: AttuneMLError.indexOutOfRange("")) {
            try ContentRecommender.fit(sequences: [[0, 20]], itemFeatures: x)
        }
        let bad = try DenseMatrix(rowCount: 20, columnCount: 1, values: [Float](repeating: .nan, count: 20))
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try ContentRecommender.fit(sequences: s, itemEmbeddings: bad, configuration: .init(embeddingWeight: 1))
        }
    }

    @Test func saveLoadRoundTripGivesIdenticalScores() throws {
        let model = try ContentRecommender.fit(
            sequences: Fixtures.twoCommunitySequences(), itemFeatures: Self.features(),
            itemEmbeddings: Fixtures.twoCommunityEmbeddings(),
            configuration: .init(
                decay: .position(halfLife: 2), historyLimit: 4, embeddingWeight: 0.3, popularityWeight: 0.01))
        let loaded = try ContentRecommender(serialized: model.serialized())
        #expect(loaded == model)
        let seen = Fixtures.twoCommunities()
        #expect(RecommenderChecks.allScores(loaded, seen: seen) == RecommenderChecks.allScores(model, seen: seen))
        #expect(throws: AttuneMLError.corruptData("")) {
            try ContentRecommender(serialized: Array(model.serialized().dropLast(3)))
        }
        #expect(throws: AttuneMLError.corruptData("")) { try ContentRecommender(serialized: OtherModelBlob.bytes) }
    }
}

/// A blob of another model kind, for "wrong tag" checks.
enum OtherModelBlob {
    static var bytes: [UInt8] { PopularityModel(itemScores: [1, 2]).serialized() }
}
