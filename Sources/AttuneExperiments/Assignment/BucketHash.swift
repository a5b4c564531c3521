/// GrowthBook's hashing versions for mapping (seed, unit id) to [0, 1).
package enum HashVersion: Int, Sendable, Hashable, CaseIterable {
    /// (fnv1a32(value + seed) mod 1000) / 1000: the original, slightly biased scheme kept for
    /// compatibility with experiments started under it.
    case v1 = 1
    /// (fnv1a32(decimal(fnv1a32(seed + value))) mod 10000) / 10000: hashing twice removes the
    /// correlation between experiments whose seeds share a prefix.
    case v2 = 2
}

/// Deterministic bucketing compatible with GrowthBook's SDK specification (`hash`, `getBucketRanges`,
/// `chooseVariation`, `inNamespace`), so a unit lands in the same variation here as in any GrowthBook
/// SDK given the same seed and weights.
package enum BucketHash {
    /// A number in [0, 1) determined by seed and value.
    /// - Parameters:
    ///   - seed: the experiment's seed (its key unless set otherwise).
    ///   - value: the unit's hash attribute, e.g. a user id.
    ///   - version: the hashing scheme.
    @inlinable
    package static func unit(seed: String, value: String, version: HashVersion = .v2) -> Double {
        switch version {
        case .v1:
            return Double(FNV1a.hash32(value + seed) % 1000) / 1000
        case .v2:
            let inner = FNV1a.hash32(seed + value)
            return Double(FNV1a.hash32(String(inner)) % 10000) / 10000
        }
    }
}
