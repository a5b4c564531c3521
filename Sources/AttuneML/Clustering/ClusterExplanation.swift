/// Plain-language rules that separate one cluster from the rest, with how well they hold.
package struct ClusterExplanation: Sendable, Equatable, CustomStringConvertible {
    /// The cluster explained.
    package let cluster: Int
    /// One rule per positive leaf; a point belongs to the segment when any rule holds.
    package let rules: [DecisionRule]
    /// Accuracy of the rules on the data they were learned from: 1.0 means they reproduce the
    /// segment exactly.
    package let fidelity: Double
    /// The tree behind the rules, for scoring new points.
    package let tree: DecisionTree

    /// The rules joined by "or", e.g. `"frequency > 5.5 and recency_days <= 30"` or
    /// `"(a > 1 and b <= 2) or c > 3"`.
    package var description: String {
        if rules.isEmpty { return "no rule separates this cluster" }
        if rules.count == 1 { return rules[0].description }
        // Brackets make the grouping explicit when rules with several conditions are or-ed.
        return rules.map { $0.conditions.count > 1 ? "(\($0.description))" : $0.description }.joined(separator: " or ")
    }

    /// Trains a ``DecisionTree`` (CART, Breiman et al. 1984) to tell `cluster` from every other
    /// cluster and reads its rules.
    ///
    /// Pass the features in the units people know (raw, not standardised) so the thresholds read
    /// naturally; the clustering itself may have used standardised ones.
    ///
    /// - Parameters:
    ///   - cluster: the label to explain.
    ///   - labels: cluster of each row of `points`.
    ///   - featureNames: one per column.
    /// - Throws: `AttuneMLError.dimensionMismatch` for mismatched lengths; `invalidArgument` for an
    ///   empty or non-finite matrix, a bad configuration, or a cluster with no member.
    /// - Complexity: that of ``DecisionTree/fit(points:targets:configuration:)``.
    package static func explain(
        cluster: Int, labels: [Int32], points: DenseMatrix, featureNames: [String],
        configuration: DecisionTree.Configuration = DecisionTree.Configuration()
    ) throws -> ClusterExplanation {
        guard labels.count == points.rowCount else {
            throw AttuneMLError.dimensionMismatch("\(labels.count) labels for \(points.rowCount) points")
        }
        guard featureNames.count == points.columnCount else {
            throw AttuneMLError.dimensionMismatch("\(featureNames.count) names for \(points.columnCount) features")
        }
        let targets = labels.map { Int($0) == cluster }
        guard targets.contains(true) else { throw AttuneMLError.invalidArgument("cluster \(cluster) has no member") }
        let tree = try DecisionTree.fit(points: points, targets: targets, configuration: configuration)
        return ClusterExplanation(
            cluster: cluster, rules: try tree.rules(featureNames: featureNames),
            fidelity: try tree.fidelity(points: points, targets: targets), tree: tree)
    }
}
