@testable import AttuneML

/// Fixtures with a known right answer for the factorisation machine tests.
enum FactorizationFixtures {
    /// The two-communities interactions as a layout: user `u` is feature `u`, item `i` is feature
    /// `users + i`, and one context feature (`device=mobile`) sits last, shared by every event.
    static func communities(half: Int = 10) -> (
        events: FeedbackEvents, layout: FactorizationLayout, featureCount: Int,
        seen: SparseMatrix
    ) {
        let seen = Fixtures.twoCommunities(half: half)
        let users = seen.rowCount
        let items = seen.columnCount
        var eventUsers: [Int32] = []
        var eventItems: [Int32] = []
        for u in 0..<users {
            for i in seen.columns(ofRow: u) {
                eventUsers.append(Int32(u))
                eventItems.append(i)
            }
        }
        let device = Int32(users + items)
        let layout = FactorizationLayout(
            users: FeatureRows((0..<users).map { FeatureVector(ones: [Int32($0)]) }),
            items: FeatureRows((0..<items).map { FeatureVector(ones: [Int32(users + $0)]) }),
            context: FeatureVector(ones: [device]))
        return (try! FeedbackEvents(users: eventUsers, items: eventItems), layout, users + items + 1, seen)
    }

    static let bprConfiguration = FactorizationMachine.Configuration(
        factors: 8, learningRate: 0.05, regularization: 0.01, linearRegularization: 0.01, iterations: 200, loss: .bpr,
        seed: 3)

    /// A BPR-trained machine on the communities.
    static func communityModel(
        configuration: FactorizationMachine.Configuration = bprConfiguration, threads: Int = 1
    ) throws -> FactorizationMachine {
        let c = communities()
        return try FactorizationMachine.fit(
            events: c.events, layout: c.layout, featureCount: c.featureCount,
            configuration: configuration, threads: threads)
    }

    /// A machine with random parameters (no training), for checking arithmetic.
    static func randomModel(features: Int, factors: Int, seed: UInt64, layout: FactorizationLayout = .init()) throws
        -> FactorizationMachine
    {
        let configuration = FactorizationMachine.Configuration(factors: factors)
        let v = try DenseMatrix(
            rowCount: features, columnCount: factors,
            values: Fixtures.randomFloats(features * factors, seed: seed))
        return try FactorizationMachine(
            configuration: configuration, featureCount: features, layout: layout, bias: 0.3,
            linear: Fixtures.randomFloats(features, seed: seed + 1), featureFactors: v)
    }

    /// Random examples of 1...maxLength distinct features with values in [-1, 1).
    static func randomExamples(count: Int, features: Int, maxLength: Int, seed: UInt64) -> [FeatureVector] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let m = 1 + g.nextIndex(below: maxLength)
            var chosen = Set<Int32>()
            while chosen.count < min(m, features) { chosen.insert(Int32(g.nextIndex(below: features))) }
            return try! FeatureVector(indices: chosen.sorted(), values: chosen.map { _ in g.nextUnitFloat() * 2 - 1 })
        }
    }

    /// The XOR task: features 0 `device=mobile`, 1 `device=desktop`, 2 `category=books`,
    /// 3 `category=music`; label 1 exactly when (mobile) XOR (books). No weighting of single
    /// features separates it: only the device x category interaction does.
    static func xor(repeats: Int = 25) -> (examples: FeatureRows, labels: [Float]) {
        var rows = FeatureRows()
        var labels: [Float] = []
        for _ in 0..<repeats {
            for (device, category) in [(0, 2), (0, 3), (1, 2), (1, 3)] {
                rows.append(FeatureVector(ones: [Int32(device), Int32(category)]))
                labels.append((device == 0) != (category == 2) ? 1 : 0)
            }
        }
        return (rows, labels)
    }
}
