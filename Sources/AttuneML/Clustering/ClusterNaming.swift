/// How to speak about one feature in a segment name: `"frequent browsers"` is
/// `FeatureDescriptor(name: "sessions", noun: "browsers", high: "frequent", low: "rare")` for a
/// segment whose sessions are well above average.
package struct FeatureDescriptor: Sendable, Equatable {
    /// The column name.
    package let name: String
    /// What a person high on this feature is called; `nil` names the feature itself.
    package let noun: String?
    /// Words for "above average" and "below average".
    package let high: String
    package let low: String

    package init(name: String, noun: String? = nil, high: String = "high", low: String = "low") {
        self.name = name
        self.noun = noun
        self.high = high
        self.low = low
    }

    /// The phrase for a segment above (or below) average on this feature.
    package func phrase(above: Bool) -> String { "\(above ? high : low) \(noun ?? name)" }
}

/// A short descriptive name for a segment from the features that set it apart most.
///
/// Each feature's effect is the standardised mean difference `(mean in segment − overall mean) /
/// overall standard deviation`; the strongest effects above `minimumEffect` (in either direction)
/// become phrases, joined by commas: `"frequent browsers, rare buyers"`.
package enum ClusterNaming {
    /// How far a segment's mean sits from the overall mean on one feature, in standard deviations.
    package struct Trait: Sendable, Equatable {
        /// Column index.
        package let feature: Int
        /// `(mean in segment − overall mean) / overall standard deviation`.
        package let effect: Double
    }

    /// Every feature with non-zero spread, strongest effect first (ties to the lower feature).
    ///
    /// - Throws: `AttuneMLError.dimensionMismatch` when labels and rows differ; `invalidArgument`
    ///   for an empty or non-finite matrix or a cluster with no member.
    /// - Complexity: O(n · d + d log d).
    package static func traits(cluster: Int, labels: [Int32], points: DenseMatrix) throws -> [Trait] {
        try ClusteringInput.validate(points)
        guard labels.count == points.rowCount else {
            throw AttuneMLError.dimensionMismatch("\(labels.count) labels for \(points.rowCount) points")
        }
        let all = try Standardizer.fit(points: points)
        let d = points.columnCount
        var sum = [Double](repeating: 0, count: d)
        var members = 0
        for i in 0..<points.rowCount where Int(labels[i]) == cluster {
            members += 1
            for j in 0..<d { sum[j] += Double(points.values[i * d + j]) }
        }
        guard members > 0 else { throw AttuneMLError.invalidArgument("cluster \(cluster) has no member") }
        var out: [Trait] = []
        for j in 0..<d where all.standardDeviations[j] > 0 {
            let effect = (sum[j] / Double(members) - Double(all.means[j])) / Double(all.standardDeviations[j])
            out.append(Trait(feature: j, effect: effect))
        }
        return out.sorted {
            abs($0.effect) != abs($1.effect) ? abs($0.effect) > abs($1.effect) : $0.feature < $1.feature
        }
    }

    /// The segment's name, e.g. `"frequent browsers, rare buyers"`, or `"typical"` when no
    /// feature differs by `minimumEffect` standard deviations.
    ///
    /// - Parameters:
    ///   - descriptors: one per column, in column order.
    ///   - maxTraits: phrases in the name.
    ///   - minimumEffect: smallest |effect| worth naming.
    /// - Throws: as ``traits(cluster:labels:points:)``, and `dimensionMismatch` for a descriptor
    ///   count that differs from the columns.
    package static func name(
        cluster: Int, labels: [Int32], points: DenseMatrix, descriptors: [FeatureDescriptor], maxTraits: Int = 2,
        minimumEffect: Double = 0.5
    ) throws -> String {
        guard descriptors.count == points.columnCount else {
            throw AttuneMLError.dimensionMismatch("\(descriptors.count) descriptors for \(points.columnCount) features")
        }
        let phrases = try traits(cluster: cluster, labels: labels, points: points)
            .filter { abs($0.effect) >= minimumEffect }
            .prefix(Swift.max(0, maxTraits))
            .map { descriptors[$0.feature].phrase(above: $0.effect > 0) }
        return phrases.isEmpty ? "typical" : phrases.joined(separator: ", ")
    }

    /// Convenience with plain feature names: `"high frequency, low recency_days"`.
    package static func name(
        cluster: Int, labels: [Int32], points: DenseMatrix, featureNames: [String], maxTraits: Int = 2,
        minimumEffect: Double = 0.5
    ) throws -> String {
        try name(
            cluster: cluster, labels: labels, points: points,
            descriptors: featureNames.map { FeatureDescriptor(name: $0) },
            maxTraits: maxTraits, minimumEffect: minimumEffect)
    }
}
