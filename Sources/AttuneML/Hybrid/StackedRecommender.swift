import RealModule

/// Ranks by a learned combiner over other recommenders' scores: stacked generalisation (Wolpert,
/// "Stacked generalization", Neural Networks 5(2), 1992) with a second-order factorisation machine
/// under log loss as the combiner (Rendle, "Factorization machines", ICDM 2010).
///
/// For a user, each component's scores are z-scored over the user's candidates (as in
/// ``HybridRecommender``), and with the item's popularity (`log(1 + count) / log(1 + max count)`)
/// form the combiner's features. Where a linear blend can only add the scores, the machine's
/// pairwise terms let one model's confidence change how much another counts: "trust the sequence
/// model when item-kNN also likes the item", for instance. ``StackingTrainer`` learns it.
package struct StackedRecommender: Recommender {
    package let components: [any Recommender]
    /// Features: one per component, then popularity; logistic loss.
    package let combiner: FactorizationMachine
    /// Per item, in [0, 1].
    package let popularity: [Float]

    package var itemCount: Int { popularity.count }
    static let normalization = HybridRecommender.Normalization.zScore

    /// - Throws: `AttuneMLError.invalidArgument` without components, `dimensionMismatch` when the
    ///   components, the popularity vector and the combiner's width disagree.
    package init(components: [any Recommender], combiner: FactorizationMachine, popularity: [Float]) throws {
        guard !components.isEmpty else { throw AttuneMLError.invalidArgument("stacking needs at least one component") }
        guard components.allSatisfy({ $0.itemCount == popularity.count }) else {
            throw AttuneMLError.dimensionMismatch("components score catalogues of different sizes")
        }
        guard combiner.featureCount == components.count + 1 else {
            throw AttuneMLError.dimensionMismatch(
                "combiner has \(combiner.featureCount) features for \(components.count) components and popularity")
        }
        guard popularity.allSatisfy({ $0.isFinite }) else { throw AttuneMLError.invalidArgument("popularity must be finite") }
        self.components = components
        self.combiner = combiner
        self.popularity = popularity
    }

    /// Popularity features from training counts.
    package static func popularityFeature(_ matrix: SparseMatrix) -> [Float] {
        var counts = [Float](repeating: 0, count: matrix.columnCount)
        for c in matrix.columnIndices { counts[Int(c)] += 1 }
        let top = Float.log(onePlus: counts.max() ?? 0)
        return counts.map { top > 0 ? Float.log(onePlus: $0) / top : 0 }
    }

    /// One component's scores as a combiner feature: z-scored over the candidates and clipped, so
    /// that one outlying score cannot dominate the combiner (or blow up its SGD steps).
    static func features(
        _ model: any Recommender, user: Int?, history: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
        into row: UnsafeMutableBufferPointer<Float>
    ) {
        model.score(user: user, history: history, values: values, into: row)
        HybridRecommender.normalize(row, excluding: history, normalization)
        for i in row.indices { row[i] = min(max(row[i], -clip), clip) }
    }

    static let clip: Float = 4

    /// The combiner's output per item (items in `history` get `-∞`).
    package func score(
        user: Int?, history: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
        into scores: UnsafeMutableBufferPointer<Float>
    ) {
        let n = itemCount
        let m = components.count + 1
        // Feature-major: row c holds component c's normalised scores, the last row popularity.
        var features = [Float](repeating: 0, count: m * n)
        features.withUnsafeMutableBufferPointer { f in
            for (c, model) in components.enumerated() {
                let row = UnsafeMutableBufferPointer(rebasing: f[(c * n)..<((c + 1) * n)])
                Self.features(model, user: user, history: history, values: values, into: row)
            }
            for i in 0..<n { f[(m - 1) * n + i] = popularity[i] }
            combine(UnsafeBufferPointer(f), itemCount: n, into: scores)
        }
        for h in history where Int(h) < n { scores[Int(h)] = -.infinity }
    }

    /// `ŷ = w₀ + Σ wⱼxⱼ + ½ Σ_f ((Σⱼ vⱼf xⱼ)² − Σⱼ vⱼf² xⱼ²)` per item over feature-major `x`.
    func combine(_ x: UnsafeBufferPointer<Float>, itemCount n: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        let m = components.count + 1
        let k = combiner.configuration.factors
        let w = combiner.linear
        let v = combiner.featureFactors
        for i in 0..<n { scores[i] = combiner.bias }
        for j in 0..<m {
            let wj = w[j]
            for i in 0..<n { scores[i] += wj * x[j * n + i] }
        }
        var s = [Float](repeating: 0, count: n)
        var q = [Float](repeating: 0, count: n)
        for f in 0..<k {
            for i in 0..<n { s[i] = 0; q[i] = 0 }
            for j in 0..<m {
                let vjf = v[j, f]
                let vv = vjf * vjf
                for i in 0..<n {
                    let xi = x[j * n + i]
                    s[i] += vjf * xi
                    q[i] += vv * xi * xi
                }
            }
            for i in 0..<n { scores[i] += 0.5 * (s[i] * s[i] - q[i]) }
        }
    }
}

extension StackedRecommender: PersistableRecommender {
    package static var modelTag: String { "STAK" }

    package func serialized() -> [UInt8] {
        var w = BinaryWriter(tag: Self.modelTag, version: 1)
        w.write(popularity)
        w.write(bytes: combiner.serialized())
        HybridRecommender.writeComponents(components, to: &w)
        return w.bytes
    }

    package init(serialized bytes: [UInt8]) throws {
        var r = try BinaryReader(bytes, tag: Self.modelTag, maxVersion: 1)
        let popularity = try r.readFloats()
        let combiner = try FactorizationMachine(serialized: try r.readBytes())
        let components = try HybridRecommender.readComponents(from: &r)
        try r.expectEnd()
        do {
            try self.init(components: components, combiner: combiner, popularity: popularity)
        } catch {
            throw AttuneMLError.corruptData("stored combiner does not match the components")
        }
    }
}
