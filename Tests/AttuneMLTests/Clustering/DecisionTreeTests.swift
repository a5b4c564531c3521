import Testing

@testable import AttuneML

struct DecisionTreeTests {
    /// Uniform points in [0, 6] x [-2, 4] x [0, 1] labelled by the planted rule x > 3 and y <= 1.
    static func plantedRule(count: Int, seed: UInt64) -> (DenseMatrix, [Bool]) {
        var g = SeededGenerator(seed: seed)
        var values: [Float] = []
        var targets: [Bool] = []
        for _ in 0..<count {
            let x = g.nextUnitFloat() * 6
            let y = g.nextUnitFloat() * 6 - 2
            values += [x, y, g.nextUnitFloat()]
            targets.append(x > 3 && y <= 1)
        }
        return (try! DenseMatrix(rowCount: count, columnCount: 3, values: values), targets)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func reproducesAPlantedRuleWithFullFidelity(seed: UInt64) throws {
        let (points, targets) = Self.plantedRule(count: 2000, seed: seed)
        let tree = try DecisionTree.fit(points: points, targets: targets)
        #expect(try tree.fidelity(points: points, targets: targets) == 1.0)
        let rules = try tree.rules(featureNames: ["x", "y", "noise"])
        try #require(rules.count == 1)
        let conditions = rules[0].conditions
        #expect(conditions.count == 2)
        let x = try #require(conditions.first { $0.name == "x" })
        let y = try #require(conditions.first { $0.name == "y" })
        #expect(x.isGreater && abs(x.threshold - 3) < 0.05)
        #expect(!y.isGreater && abs(y.threshold - 1) < 0.05)
        #expect(rules[0].positives == rules[0].support)
    }

    @Test func printsRulesInPlainWords() throws {
        // Grid of frequency 0...11 and recency 0, 4, ..., 60; the segment is frequency >= 6 and
        // recency <= 28, so the midpoint thresholds are 5.5 and 30.
        var values: [Float] = []
        var targets: [Bool] = []
        for f in 0..<12 {
            for r in stride(from: 0, through: 60, by: 4) {
                values += [Float(f), Float(r)]
                targets.append(f >= 6 && r <= 28)
            }
        }
        let points = try DenseMatrix(rowCount: targets.count, columnCount: 2, values: values)
        let explanation = try ClusterExplanation.explain(
            cluster: 1, labels: targets.map { $0 ? 1 : 0 }, points: points,
            featureNames: ["frequency", "recency_days"])
        #expect(explanation.description == "frequency > 5.5 and recency_days <= 30")
        #expect(explanation.fidelity == 1.0)
    }

    @Test func depthAndLeafSizeBoundTheTree() throws {
        let (points, targets) = Self.plantedRule(count: 500, seed: 4)
        let stump = try DecisionTree.fit(points: points, targets: targets, configuration: .init(maxDepth: 1))
        #expect(stump.nodes.count == 3)
        let coarse = try DecisionTree.fit(points: points, targets: targets, configuration: .init(minSamplesLeaf: 100))
        #expect(coarse.nodes.filter(\.isLeaf).allSatisfy { $0.count >= 100 })
        func depth(_ i: Int) -> Int {
            let n = coarse.nodes[i]
            return n.isLeaf ? 0 : 1 + max(depth(n.left), depth(n.right))
        }
        #expect(depth(0) <= 3)
    }

    @Test func pureDataGivesASingleLeaf() throws {
        let points = ClusteringFixtures.matrix([[1], [2], [3]])
        let tree = try DecisionTree.fit(points: points, targets: [true, true, true])
        #expect(tree.nodes.count == 1)
        #expect(try tree.rules(featureNames: ["a"]).map(\.description) == ["always"])
    }

    @Test func thresholdsAreFormattedForPeople() {
        #expect(DecisionRule.format(30) == "30")
        #expect(DecisionRule.format(5.5) == "5.5")
        #expect(DecisionRule.format(2.99951) == "3")
        #expect(DecisionRule.format(-0.125) == "-0.125")
        #expect(DecisionRule.format(0.0037280244) == "0.00373")
    }

    @Test func badInputsAreRejected() throws {
        let points = ClusteringFixtures.matrix([[1], [2]])
        #expect(throws: AttuneMLError.dimensionMismatch("")) { try DecisionTree.fit(points: points, targets: [true]) }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try DecisionTree.fit(points: points, targets: [true, false], configuration: .init(maxDepth: 4))
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try DecisionTree.fit(points: points, targets: [true, false], configuration: .init(minSamplesLeaf: 0))
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try DecisionTree.fit(points: ClusteringFixtures.matrix([[1], [.nan]]), targets: [true, false])
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try DecisionTree.fit(points: DenseMatrix(rowCount: 0, columnCount: 1), targets: [])
        }
        let tree = try DecisionTree.fit(
            points: points, targets: [true, false], configuration: .init(minSamplesLeaf: 1))
        #expect(throws: AttuneMLError.dimensionMismatch("")) { try tree.rules(featureNames: []) }
    }
}
