/// Where a unit ends up in one experiment.
package enum AssignmentDecision: Hashable, Sendable {
    /// Enrolled in the variation with this index.
    case variation(Int)
    /// Not enrolled; the unit sees the default experience and is not counted.
    case excluded(ExclusionReason)
}

/// Why a unit was not enrolled.
package enum ExclusionReason: Hashable, Sendable {
    /// The hash attribute was empty.
    case missingUnitID
    /// The unit is in the global holdout.
    case globalHoldout
    /// The unit's namespace position belongs to another experiment.
    case namespace
    /// The unit fell outside the coverage (traffic allocation).
    case coverage
}

/// A sticky, stateless traffic split for one experiment: assignment is a pure function of the unit id,
/// so every server replica agrees without coordination.
package struct ExperimentAllocation: Hashable, Sendable {
    /// Hash seed; changing it reshuffles every unit.
    package var seed: String
    /// Number of variations, control included.
    package var variationCount: Int
    /// Share of enrolled traffic per variation.
    package var weights: [Double]
    /// Share of eligible traffic enrolled.
    package var coverage: Double
    /// The mutually exclusive layer slice, if any.
    package var namespace: Namespace?
    /// GrowthBook hashing version.
    package var hashVersion: HashVersion

    /// - Parameters:
    ///   - seed: usually the experiment key.
    ///   - variationCount: at least 1.
    ///   - weights: share per variation summing to 1 (equal when `nil`).
    ///   - coverage: share of eligible traffic enrolled, in [0, 1].
    ///   - namespace: an optional mutually exclusive layer.
    ///   - hashVersion: GrowthBook hashing version.
    /// - Throws: `ExperimentError` for no variations, weights of the wrong length, negative or not summing
    ///   to 1, or coverage outside [0, 1]. (GrowthBook silently falls back to equal weights; configuration
    ///   mistakes are rejected here instead.)
    package init(
        seed: String, variationCount: Int, weights: [Double]? = nil, coverage: Double = 1,
        namespace: Namespace? = nil, hashVersion: HashVersion = .v2
    ) throws(ExperimentError) {
        guard variationCount >= 1 else { throw .invalidArgument("must be at least 1", field: "variationCount") }
        let weights = weights ?? BucketRange.equalWeights(variationCount)
        guard weights.count == variationCount else {
            throw .dimensionMismatch("one weight per variation", field: "weights")
        }
        guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }), abs(weights.reduce(0, +) - 1) <= 0.01 else {
            throw .invalidArgument("must be non-negative and sum to 1", field: "weights")
        }
        try Validate.probability(coverage, "coverage")
        self.seed = seed
        self.variationCount = variationCount
        self.weights = weights
        self.coverage = coverage
        self.namespace = namespace
        self.hashVersion = hashVersion
    }

    /// The variation ranges in use.
    package var ranges: [BucketRange] {
        BucketRange.ranges(variationCount: variationCount, coverage: coverage, weights: weights)
    }

    /// Assigns a unit: holdout first, then namespace, then coverage and variation by hash.
    /// - Complexity: O(id length + variations).
    package func assign(unitID: String, holdout: GlobalHoldout? = nil) -> AssignmentDecision {
        if unitID.isEmpty { return .excluded(.missingUnitID) }
        if let holdout, holdout.contains(unitID) { return .excluded(.globalHoldout) }
        if let namespace, !namespace.contains(unitID) { return .excluded(.namespace) }
        let n = BucketHash.unit(seed: seed, value: unitID, version: hashVersion)
        guard let index = BucketRange.chooseVariation(n, ranges: ranges) else { return .excluded(.coverage) }
        return .variation(index)
    }
}
