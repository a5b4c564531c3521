/// A shallow binary classification tree, grown by CART with Gini impurity (Breiman, Friedman,
/// Olshen, Stone, "Classification and Regression Trees", 1984).
///
/// Used to explain a segment: trained to tell one cluster's members from everyone else, its
/// positive leaves read as plain rules ("frequency > 5.5 and recency_days <= 30"). Depth is capped
/// at 3 so a rule has at most three conditions a person can read; `minSamplesLeaf` keeps rules
/// from describing a handful of points. Splits are `x <= threshold` (left) against
/// `x > threshold` (right), with thresholds half-way between consecutive distinct values, as
/// scikit-learn's `DecisionTreeClassifier`.
package struct DecisionTree: Sendable, Equatable {
    /// Hyper-parameters, saved with the model.
    package struct Configuration: Sendable, Equatable {
        /// Levels of splits, 1 to 3.
        package var maxDepth: Int
        /// Fewest training points a leaf may hold.
        package var minSamplesLeaf: Int

        package init(maxDepth: Int = 3, minSamplesLeaf: Int = 5) {
            self.maxDepth = maxDepth
            self.minSamplesLeaf = minSamplesLeaf
        }

        /// - Throws: `AttuneMLError.invalidArgument` naming the bad field.
        package func validate() throws {
            guard (1...3).contains(maxDepth) else { throw AttuneMLError.invalidArgument("maxDepth must be 1 to 3") }
            guard minSamplesLeaf >= 1 else { throw AttuneMLError.invalidArgument("minSamplesLeaf must be positive") }
        }
    }

    /// A node in the flat node array; `feature < 0` marks a leaf.
    package struct Node: Sendable, Equatable {
        /// Column tested, or -1 in a leaf.
        package let feature: Int
        /// Split point: `x <= threshold` goes left.
        package let threshold: Float
        /// Child indices for `x <= threshold` and `x > threshold` (unused in a leaf).
        package let left: Int
        package let right: Int
        /// Training points reaching the node, and how many of them are positive.
        package let count: Int
        package let positives: Int
        /// The majority class; a tie is negative, so a rule never claims a coin flip.
        package var predictsPositive: Bool { 2 * positives > count }
        package var isLeaf: Bool { feature < 0 }
    }

    package let configuration: Configuration
    /// Columns of the training data.
    package let featureCount: Int
    /// Nodes in depth-first order; the root is node 0.
    package let nodes: [Node]

    /// Grows the tree on `points` with binary `targets`.
    ///
    /// - Throws: `AttuneMLError.invalidArgument` for a bad configuration, an empty or non-finite
    ///   matrix; `dimensionMismatch` when `targets` and rows differ.
    /// - Complexity: O(depth · d · n log n): every level sorts each feature over the points it splits.
    package static func fit(points: DenseMatrix, targets: [Bool], configuration: Configuration = Configuration())
        throws -> DecisionTree
    {
        try configuration.validate()
        try ClusteringInput.validate(points)
        guard targets.count == points.rowCount else {
            throw AttuneMLError.dimensionMismatch("\(targets.count) targets for \(points.rowCount) points")
        }
        var builder = Builder(points: points, targets: targets, configuration: configuration)
        _ = builder.grow(Array(0..<points.rowCount), depth: 0)
        return DecisionTree(configuration: configuration, featureCount: points.columnCount, nodes: builder.nodes)
    }

    /// The class of every row.
    /// - Throws: `AttuneMLError.dimensionMismatch` when the width differs from the training data.
    /// - Complexity: O(n · depth).
    package func predict(points: DenseMatrix) throws -> [Bool] {
        guard points.columnCount == featureCount else {
            throw AttuneMLError.dimensionMismatch("\(points.columnCount) features, trained on \(featureCount)")
        }
        let d = featureCount
        return (0..<points.rowCount).map { i in
            var node = nodes[0]
            while !node.isLeaf {
                node = nodes[points.values[i * d + node.feature] <= node.threshold ? node.left : node.right]
            }
            return node.predictsPositive
        }
    }

    /// The share of rows whose predicted class equals their target: how faithfully the rules
    /// describe the segment.
    /// - Throws: as ``predict(points:)``, and `dimensionMismatch` for a target count that differs.
    package func fidelity(points: DenseMatrix, targets: [Bool]) throws -> Double {
        guard targets.count == points.rowCount, points.rowCount > 0 else {
            throw AttuneMLError.dimensionMismatch("\(targets.count) targets for \(points.rowCount) points")
        }
        let predicted = try predict(points: points)
        var agree = 0
        for i in targets.indices where predicted[i] == targets[i] { agree += 1 }
        return Double(agree) / Double(targets.count)
    }

    /// One rule per positive leaf: the conjunction of the conditions on its path, with conditions
    /// on the same feature merged to the tightest bound.
    /// - Throws: `AttuneMLError.dimensionMismatch` when the names do not match the features.
    package func rules(featureNames: [String]) throws -> [DecisionRule] {
        guard featureNames.count == featureCount else {
            throw AttuneMLError.dimensionMismatch("\(featureNames.count) names for \(featureCount) features")
        }
        var out: [DecisionRule] = []
        func walk(_ index: Int, _ path: [DecisionRule.Condition]) {
            let node = nodes[index]
            if node.isLeaf {
                if node.predictsPositive {
                    out.append(
                        DecisionRule(
                            conditions: DecisionRule.simplify(path, featureNames: featureNames),
                            support: node.count, positives: node.positives))
                }
                return
            }
            let name = featureNames[node.feature]
            walk(
                node.left,
                path + [.init(feature: node.feature, name: name, isGreater: false, threshold: node.threshold)])
            walk(
                node.right,
                path + [.init(feature: node.feature, name: name, isGreater: true, threshold: node.threshold)])
        }
        walk(0, [])
        return out
    }

    /// Recursive CART growth into a flat node array.
    private struct Builder {
        let points: DenseMatrix
        let targets: [Bool]
        let configuration: Configuration
        var nodes: [Node] = []

        init(points: DenseMatrix, targets: [Bool], configuration: Configuration) {
            self.points = points
            self.targets = targets
            self.configuration = configuration
        }

        /// Adds the subtree over `members`; returns its node index.
        mutating func grow(_ members: [Int], depth: Int) -> Int {
            let positives = members.reduce(0) { $0 + (targets[$1] ? 1 : 0) }
            let index = nodes.count
            nodes.append(
                Node(feature: -1, threshold: 0, left: -1, right: -1, count: members.count, positives: positives))
            let pure = positives == 0 || positives == members.count
            guard depth < configuration.maxDepth, !pure, members.count >= 2 * configuration.minSamplesLeaf,
                let split = bestSplit(members, positives: positives)
            else { return index }
            let d = points.columnCount
            let left = members.filter { points.values[$0 * d + split.feature] <= split.threshold }
            let right = members.filter { points.values[$0 * d + split.feature] > split.threshold }
            let l = grow(left, depth: depth + 1)
            let r = grow(right, depth: depth + 1)
            nodes[index] = Node(
                feature: split.feature, threshold: split.threshold, left: l, right: r, count: members.count,
                positives: positives)
            return index
        }

        /// The split with the lowest weighted Gini impurity that lowers the parent's; ties keep
        /// the lower feature and the lower threshold, so growth is deterministic.
        func bestSplit(_ members: [Int], positives: Int) -> (feature: Int, threshold: Float)? {
            let n = members.count
            let minLeaf = configuration.minSamplesLeaf
            let d = points.columnCount
            // n · Gini = n − (p² + q²) / n; comparing these sums avoids a division per candidate.
            func weightedGini(_ count: Int, _ pos: Int) -> Double {
                let c = Double(count)
                let p = Double(pos)
                let q = c - p
                return c - (p * p + q * q) / c
            }
            var bestImpurity = weightedGini(n, positives) - 1e-12
            var best: (feature: Int, threshold: Float)?
            var pairs = [(value: Float, positive: Bool)](repeating: (0, false), count: n)
            for f in 0..<d {
                for (r, i) in members.enumerated() { pairs[r] = (points.values[i * d + f], targets[i]) }
                pairs.sort { $0.value < $1.value }
                var leftPositives = 0
                for r in 0..<(n - 1) {
                    if pairs[r].positive { leftPositives += 1 }
                    let leftCount = r + 1
                    guard pairs[r].value < pairs[r + 1].value, leftCount >= minLeaf, n - leftCount >= minLeaf else {
                        continue
                    }
                    let impurity =
                        weightedGini(leftCount, leftPositives)
                        + weightedGini(n - leftCount, positives - leftPositives)
                    if impurity < bestImpurity {
                        bestImpurity = impurity
                        var threshold = pairs[r].value + (pairs[r + 1].value - pairs[r].value) / 2
                        // Rounding may land the midpoint on the upper value; keep it in the left half-open gap.
                        if threshold >= pairs[r + 1].value { threshold = pairs[r].value }
                        best = (f, threshold)
                    }
                }
            }
            return best
        }
    }
}

/// A conjunction of threshold conditions that describes one positive leaf of a ``DecisionTree``.
package struct DecisionRule: Sendable, Equatable, CustomStringConvertible {
    /// `name > threshold` or `name <= threshold`.
    package struct Condition: Sendable, Equatable, CustomStringConvertible {
        /// Column index and its name.
        package let feature: Int
        package let name: String
        /// `>` when true, `<=` when false.
        package let isGreater: Bool
        package let threshold: Float

        package var description: String {
            "\(name) \(isGreater ? ">" : "<=") \(DecisionRule.format(threshold))"
        }
    }

    /// Conditions that all hold for the leaf's points.
    package let conditions: [Condition]
    /// Training points in the leaf.
    package let support: Int
    /// Of those, members of the segment.
    package let positives: Int

    /// `"frequency > 5.5 and recency_days <= 30"`; `"always"` for a tree that never split.
    package var description: String {
        conditions.isEmpty ? "always" : conditions.map(\.description).joined(separator: " and ")
    }

    /// Keeps, per feature and direction, only the tightest bound, in the order features first appear.
    static func simplify(_ path: [Condition], featureNames: [String]) -> [Condition] {
        var out: [Condition] = []
        for c in path {
            if let k = out.firstIndex(where: { $0.feature == c.feature && $0.isGreater == c.isGreater }) {
                let tighter = c.isGreater ? c.threshold > out[k].threshold : c.threshold < out[k].threshold
                if tighter { out[k] = c }
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// A threshold for people: integers without a fraction, others to at most three decimals.
    package static func format(_ value: Float) -> String {
        let v = Double(value)
        if v == v.rounded(), Swift.abs(v) < 1e15 { return String(Int64(v)) }
        if Swift.abs(v) >= 0.01 {
            let rounded = (v * 1000).rounded() / 1000
            if rounded == rounded.rounded() { return String(Int64(rounded)) }
            return "\(rounded)"
        }
        // Small values: three significant digits (0.00372803 → 0.00373).
        if v == 0 { return "0" }
        var scale = 1.0
        while Swift.abs(v) * scale < 100 { scale *= 10 }
        return "\((v * scale).rounded() / scale)"
    }
}
