import Testing

@testable import AttuneML

struct FactorizationMachineTrainingTests {
    static let xorConfiguration = FactorizationMachine.Configuration(
        factors: 4, learningRate: 0.1, regularization: 0, linearRegularization: 0, iterations: 200,
        initialStandardDeviation: 0.3, loss: .logistic, seed: 11)

    @Test func learnsAnInteractionThatNoLinearModelCan() throws {
        let (examples, labels) = FactorizationFixtures.xor()
        let model = try FactorizationMachine.fit(
            examples: examples, labels: labels, featureCount: 4,
            configuration: Self.xorConfiguration)
        for r in 0..<4 {
            let p = try model.probability(examples[row: r])
            #expect(labels[r] == 1 ? p > 0.9 : p < 0.1)
        }
        // Factors that start at zero never move (their gradient is proportional to the other
        // factors), which leaves plain logistic regression: it cannot separate XOR.
        var linearOnly = Self.xorConfiguration
        linearOnly.initialStandardDeviation = 0
        let linear = try FactorizationMachine.fit(
            examples: examples, labels: labels, featureCount: 4, configuration: linearOnly)
        let correct = try (0..<4).filter { r in (try linear.probability(examples[row: r]) > 0.5) == (labels[r] == 1) }
            .count
        #expect(correct < 4)
    }

    @Test(arguments: [FactorizationMachine.Loss.bpr, .logistic])
    func recommendationsStayInsideTheCommunity(loss: FactorizationMachine.Loss) throws {
        var c = FactorizationFixtures.bprConfiguration
        c.loss = loss
        c.negativeSamples = 3
        // Log loss labels a user's unseen community items 0 as hard as the other community's; a
        // stronger penalty keeps the factors low-norm, so the shared community direction wins
        // over memorising each user's exact items.
        if loss == .logistic { c.regularization = 0.05 }
        let model = try FactorizationFixtures.communityModel(configuration: c)
        #expect(RecommenderChecks.staysInCommunity(model, seen: FactorizationFixtures.communities().seen, k: 3))
    }

    @Test func hogwildTrainingAlsoSeparatesCommunities() throws {
        let model = try FactorizationFixtures.communityModel(threads: 2)
        #expect(RecommenderChecks.staysInCommunity(model, seen: FactorizationFixtures.communities().seen, k: 3))
    }

    @Test func neverRecommendsTrainingItems() throws {
        let model = try FactorizationFixtures.communityModel()
        #expect(RecommenderChecks.neverRecommendsSeen(model, seen: FactorizationFixtures.communities().seen, k: 5))
        let history: [Int32] = [0, 3, 6, 9]
        #expect(model.recommend(user: 0, history: history, k: 8).allSatisfy { !history.contains($0) })
    }

    @Test func oneThreadIsDeterministicUnderASeed() throws {
        #expect(try FactorizationFixtures.communityModel() == FactorizationFixtures.communityModel())
        var c = FactorizationFixtures.bprConfiguration
        c.seed = 4
        #expect(try FactorizationFixtures.communityModel() != FactorizationFixtures.communityModel(configuration: c))
    }

    @Test func perEventContextsAreUsed() throws {
        // 40 users (features 0..<40), 40 items (40..<80), devices A (80) and B (81). Every user
        // acts on items 0..<20 on A and on items 20..<40 on B: a device x item effect that only the
        // per-event context rows carry, since each user's history spans both halves.
        let deviceA: Int32 = 80
        let deviceB: Int32 = 81
        var users: [Int32] = []
        var items: [Int32] = []
        var contexts = FeatureRows()
        for u in 0..<40 {
            for t in 0..<8 {
                let onA = t % 2 == 0
                users.append(Int32(u))
                items.append(Int32((onA ? 0 : 20) + (u + 3 * t) % 20))
                contexts.append(FeatureVector(ones: [onA ? deviceA : deviceB]))
            }
        }
        let layout = FactorizationLayout(
            users: FeatureRows((0..<40).map { FeatureVector(ones: [Int32($0)]) }),
            items: FeatureRows((0..<40).map { FeatureVector(ones: [Int32(40 + $0)]) }))
        var configuration = FactorizationFixtures.bprConfiguration
        configuration.iterations = 100
        let model = try FactorizationMachine.fit(
            events: try FeedbackEvents(users: users, items: items, contexts: contexts), layout: layout,
            featureCount: 82, configuration: configuration)
        var scores = [Float](repeating: 0, count: 40)
        // The device alone ranks its own half first.
        var topTen = TopKSelector(k: 10)
        try scores.withUnsafeMutableBufferPointer {
            try model.scoreItems(context: FeatureVector(ones: [deviceA]), into: $0)
        }
        #expect(topTen.select(scores: scores).allSatisfy { $0 < 20 })
        try scores.withUnsafeMutableBufferPointer {
            try model.scoreItems(context: FeatureVector(ones: [deviceB]), into: $0)
        }
        #expect(topTen.select(scores: scores).allSatisfy { $0 >= 20 })
        // With a user's own tastes added (they span both halves), the device moves the list
        // towards its half.
        for user in [3, 17] {
            let seen = Set((0..<users.count).filter { users[$0] == Int32(user) }.map { items[$0] }).sorted()
            var firstHalf: [Int] = []
            for device in [deviceA, deviceB] {
                try scores.withUnsafeMutableBufferPointer {
                    try model.scoreItems(context: FeatureVector(ones: [Int32(user), device]), into: $0)
                }
                firstHalf.append(topTen.select(scores: scores, excluding: seen).filter { $0 < 20 }.count)
            }
            #expect(firstHalf[0] >= 7 && firstHalf[1] <= 3)
        }
    }

    @Test func onlineUpdateMovesThePredictionTowardTheLabel() throws {
        let (examples, labels) = FactorizationFixtures.xor(repeats: 2)
        var model = try FactorizationMachine.fit(
            examples: examples, labels: labels, featureCount: 4,
            configuration: .init(factors: 4, iterations: 1, loss: .logistic))
        let example = FeatureVector(ones: [0, 3])
        let before = try model.probability(example)
        try model.update(example, label: 1)
        let raised = try model.probability(example)
        #expect(raised > before)
        try model.update(example, label: 0)
        #expect(try model.probability(example) < raised)
    }

    @Test func onlinePairwiseUpdateRaisesThePositiveAboveTheNegative() throws {
        var model = try FactorizationFixtures.communityModel()
        let c = FactorizationFixtures.communities()
        let context = c.layout.users[row: 0] + c.layout.context
        let positive = c.layout.items[row: 15]
        let negative = c.layout.items[row: 4]
        let margin = { (m: FactorizationMachine) in try m.predict(context + positive) - m.predict(context + negative) }
        let before = try margin(model)
        try model.update(context: context, positive: positive, negative: negative)
        #expect(try margin(model) > before)
    }

    @Test func rejectedUpdatesLeaveTheModelUnchanged() throws {
        let model = try FactorizationFixtures.communityModel()
        var copy = model
        #expect(throws: AttuneMLError.indexOutOfRange("")) { try copy.update(FeatureVector(ones: [99_999]), label: 1) }
        #expect(throws: AttuneMLError.invalidArgument("")) { try copy.update(FeatureVector(), label: 1) }
        #expect(throws: AttuneMLError.invalidArgument("")) { try copy.update(FeatureVector([(0, .nan)]), label: 1) }
        #expect(throws: AttuneMLError.invalidArgument("")) { try copy.update(FeatureVector(ones: [0]), label: 2) }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try copy.update(
                context: FeatureVector(ones: [0]), positive: FeatureVector(), negative: FeatureVector(ones: [21]))
        }
        #expect(throws: AttuneMLError.indexOutOfRange("")) {
            try copy.update(
                context: FeatureVector(ones: [0]), positive: FeatureVector(ones: [-2]),
                negative: FeatureVector(ones: [21]))
        }
        #expect(copy == model)
    }

    @Test func fitRejectsBadInput() throws {
        let c = FactorizationFixtures.communities()
        let bpr = FactorizationFixtures.bprConfiguration
        // An event naming an unknown item, or a layout row with an unknown feature.
        let badEvents = try FeedbackEvents(users: [0], items: [Int32(c.layout.items.count)])
        #expect(throws: AttuneMLError.indexOutOfRange("")) {
            try FactorizationMachine.fit(
                events: badEvents, layout: c.layout, featureCount: c.featureCount, configuration: bpr)
        }
        #expect(throws: AttuneMLError.indexOutOfRange("")) {
            try FactorizationMachine.fit(
                events: c.events, layout: c.layout, featureCount: c.featureCount - 1, configuration: bpr)
        }
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try FeedbackEvents(users: [0, 1], items: [0, 1], contexts: FeatureRows([FeatureVector()]))
        }
        let nanContext = try FeedbackEvents(users: [0], items: [1], contexts: FeatureRows([FeatureVector([(0, .nan)])]))
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try FactorizationMachine.fit(
                events: nanContext, layout: c.layout, featureCount: c.featureCount, configuration: bpr)
        }
        // Labelled examples: bpr, labels outside [0, 1], counts, empty rows.
        let (examples, labels) = FactorizationFixtures.xor(repeats: 1)
        var logistic = Self.xorConfiguration
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try FactorizationMachine.fit(examples: examples, labels: labels, featureCount: 4, configuration: bpr)
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try FactorizationMachine.fit(
                examples: examples, labels: [0, 1, 2, 0], featureCount: 4, configuration: logistic)
        }
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try FactorizationMachine.fit(examples: examples, labels: [0], featureCount: 4, configuration: logistic)
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try FactorizationMachine.fit(
                examples: FeatureRows([FeatureVector()]), labels: [1], featureCount: 4,
                configuration: logistic)
        }
        logistic.learningRate = 1e30
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try FactorizationMachine.fit(examples: examples, labels: labels, featureCount: 4, configuration: logistic)
        }
    }

    @Test func noEventsGiveAnUntrainedModel() throws {
        let c = FactorizationFixtures.communities()
        let model = try FactorizationMachine.fit(
            events: try FeedbackEvents(users: [], items: []), layout: c.layout,
            featureCount: c.featureCount, configuration: FactorizationFixtures.bprConfiguration)
        #expect(
            model
                == (try FactorizationMachine(
                    untrained: FactorizationFixtures.bprConfiguration, featureCount: c.featureCount,
                    layout: c.layout)))
    }
}
