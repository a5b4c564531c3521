/// How much a profile is backed by data, in [0, 1]: which declared fields are known, and how much
/// behaviour stands behind the profile.
///
///     score       = 0.4 × declared + 0.6 × behaviour
///     declared    = Σ weight(field known) / Σ weight          (weights in `fieldWeights`)
///     behaviour   = 0.5 × (1 − e^(−events / 20))
///                 + 0.3 × (1 − e^(−sessions / 5))
///                 + 0.2 × e^(−days since last seen / 30)      (0 without events)
///
/// Behaviour weighs more than declarations because recommendations are made from behaviour; each
/// behaviour term saturates (20 events reach 63%, 60 reach 95%) so heavy users do not dwarf the
/// declared part, and recency decays over a month. Imputed values do not count: they are
/// themselves estimated from behaviour, which the behaviour part already measures.
package struct ProfileCompleteness: Sendable, Equatable {
    package var score: Double
    package var declared: Double
    package var behaviour: Double

    /// Declared fields and their weights; a group is known when any of its names is declared.
    package static let fieldWeights: [(names: [String], weight: Double)] = [
        (["email", "phone", "name"], 0.3),
        (["age"], 0.2),
        (["gender"], 0.15),
        (["location", "country"], 0.2),
        (["language"], 0.15),
    ]

    /// - Parameters:
    ///   - declaredNames: names of the declared attributes with a non-null value.
    ///   - traits: the computed profile (an empty one for a user with no events).
    ///   - now: for recency.
    package init(declaredNames: Set<String>, traits: ProfileTraits, now: Timestamp) {
        let total = Self.fieldWeights.reduce(0) { $0 + $1.weight }
        let known = Self.fieldWeights.reduce(0) { sum, field in
            sum + (field.names.contains(where: declaredNames.contains) ? field.weight : 0)
        }
        declared = known / total
        if traits.eventCount > 0 {
            let days = max(0, Double(now.millisecondsSinceEpoch - traits.lastSeen)) / 86_400_000
            behaviour =
                0.5 * (1 - Self.exp(-Double(traits.eventCount) / 20)) + 0.3 * (1 - Self.exp(-Double(traits.sessionCount) / 5))
                + 0.2 * Self.exp(-days / 30)
        } else {
            behaviour = 0
        }
        score = 0.4 * declared + 0.6 * behaviour
    }

    /// e^x without Foundation (AttuneCore imports none): range reduction by ln 2, then a Taylor
    /// series on |r| ≤ ln 2 / 2, ample for a score shown with three decimals.
    package static func exp(_ x: Double) -> Double {
        if x < -700 { return 0 }
        let ln2 = 0.693_147_180_559_945_3
        let n = (x / ln2).rounded()
        let r = x - n * ln2
        var term = 1.0
        var sum = 1.0
        for i in 1...12 {
            term *= r / Double(i)
            sum += term
        }
        var scale = 1.0
        let m = Int(n)
        if m >= 0 { for _ in 0..<m { scale *= 2 } } else { for _ in 0..<(-m) { scale /= 2 } }
        return sum * scale
    }
}
