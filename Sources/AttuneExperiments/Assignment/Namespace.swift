/// A mutually exclusive layer: experiments that claim disjoint ranges of the same namespace never share
/// a unit, because every unit has one fixed position in each namespace.
package struct Namespace: Hashable, Sendable {
    /// The namespace (layer) name.
    package var id: String
    /// This experiment's slice of the namespace.
    package var range: BucketRange

    /// - Parameters:
    ///   - id: the namespace (layer) name.
    ///   - start: lower bound of this experiment's slice, inclusive.
    ///   - end: upper bound, exclusive.
    package init(id: String, start: Double, end: Double) {
        self.id = id
        self.range = BucketRange(start: start, end: end)
    }

    /// The unit's position in this namespace: GrowthBook's version-1 hash with seed "__" + id.
    package func position(of unitID: String) -> Double {
        BucketHash.unit(seed: "__" + id, value: unitID, version: .v1)
    }

    /// Whether the unit falls inside this experiment's slice of the namespace (GrowthBook `inNamespace`).
    package func contains(_ unitID: String) -> Bool {
        range.contains(position(of: unitID))
    }
}

/// A global holdout: a fixed share of units excluded from every experiment, so the combined effect
/// of everything shipped can be measured against them.
package struct GlobalHoldout: Hashable, Sendable {
    /// Hash seed of the holdout.
    package var seed: String
    /// Fraction of all units held out.
    package var share: Double

    /// - Parameters:
    ///   - seed: stable seed; changing it reshuffles who is held out.
    ///   - share: fraction of units held out, in [0, 1].
    /// - Throws: `ExperimentError.invalidProbability` for a share outside [0, 1].
    package init(seed: String = "attune-global-holdout", share: Double) throws(ExperimentError) {
        try Validate.probability(share, "share")
        self.seed = seed
        self.share = share
    }

    /// Whether the unit is held out of all experiments.
    package func contains(_ unitID: String) -> Bool {
        BucketHash.unit(seed: seed, value: unitID, version: .v2) < share
    }
}
