/// A second-order factorisation machine: a context-aware ranker over arbitrary sparse features.
///
/// `ŷ(x) = w₀ + Σⱼ wⱼxⱼ + Σⱼ<ₗ ⟨vⱼ, vₗ⟩ xⱼxₗ` with one weight `wⱼ` and one k-vector `vⱼ` per feature
/// (Rendle, "Factorization Machines", ICDM 2010). Every pair of features interacts through its
/// factors, so user × item, user × context and item × context effects are all learned, including for
/// pairs never seen together. The pairwise term is computed in O(k·m) for `m` entries (lemma 3.1).
///
/// Trained by SGD (``fit(events:layout:featureCount:configuration:threads:)`` and
/// ``fit(examples:labels:featureCount:configuration:threads:)``) and updated online from single
/// feedback events (``update(_:label:)``, ``update(context:positive:negative:)``). As a
/// ``Recommender`` it joins the user's row, the layout's fixed context and each item's row; it
/// also serves as the hybrid's stacking model through ``predict(_:)`` on examples built from
/// other models' scores.
package struct FactorizationMachine: Recommender, Equatable {
    /// The objective SGD minimises.
    package enum Loss: UInt8, Sendable {
        /// Log loss on labels in [0, 1]: explicit clicks and non-clicks, or implicit positives with
        /// ``Configuration/negativeSamples`` uniformly drawn unseen items as label 0 (CTR-style).
        case logistic = 0
        /// Bayesian personalised ranking, `−ln σ(ŷ(u, i, c) − ŷ(u, j, c))` for an observed item `i`
        /// and a uniformly drawn unseen `j` (Rendle et al., UAI 2009; with a factorisation machine
        /// as the scorer as in Rendle, "Factorization Machines with libFM", TIST 2012).
        case bpr = 1
    }

    /// Hyper-parameters, saved with the model. Names match ``BPR/Configuration`` where they mean
    /// the same thing.
    package struct Configuration: Sendable, Equatable {
        /// k, the width of every feature's factor vector.
        package var factors: Int
        /// SGD step size η.
        package var learningRate: Float
        /// λ_V, the L2 penalty on factor vectors at every step that touches them.
        package var regularization: Float
        /// λ_w, the L2 penalty on per-feature weights.
        package var linearRegularization: Float
        /// λ₀, the L2 penalty on the global bias (usually 0).
        package var biasRegularization: Float
        /// Epochs; each draws as many samples as there are training events or examples.
        package var iterations: Int
        /// Negatives per positive event under ``Loss/logistic`` on implicit events.
        package var negativeSamples: Int
        /// Standard deviation of the initial factors (uniform, centred); weights start at 0.
        package var initialStandardDeviation: Float
        package var loss: Loss
        /// Seeds the initial factors and the sampling.
        package var seed: UInt64

        package init(
            factors: Int = 64, learningRate: Float = 0.05, regularization: Float = 0.001,
            linearRegularization: Float = 0.001, biasRegularization: Float = 0, iterations: Int = 30,
            negativeSamples: Int = 1, initialStandardDeviation: Float = 0.1, loss: Loss = .bpr,
            seed: UInt64 = 42
        ) {
            self.factors = factors
            self.learningRate = learningRate
            self.regularization = regularization
            self.linearRegularization = linearRegularization
            self.biasRegularization = biasRegularization
            self.iterations = iterations
            self.negativeSamples = negativeSamples
            self.initialStandardDeviation = initialStandardDeviation
            self.loss = loss
            self.seed = seed
        }

        /// - Throws: `AttuneMLError.invalidArgument` naming the first bad field.
        func validate() throws {
            guard factors > 0 else { throw AttuneMLError.invalidArgument("factors must be positive") }
            guard learningRate > 0, learningRate.isFinite else {
                throw AttuneMLError.invalidArgument("learningRate must be positive")
            }
            for (name, value) in [
                ("regularization", regularization), ("linearRegularization", linearRegularization),
                ("biasRegularization", biasRegularization),
            ] where !(value >= 0 && value.isFinite) {
                throw AttuneMLError.invalidArgument("\(name) must be non-negative")
            }
            guard iterations >= 0 else { throw AttuneMLError.invalidArgument("iterations must be non-negative") }
            guard negativeSamples >= 1 else { throw AttuneMLError.invalidArgument("negativeSamples must be positive") }
            guard initialStandardDeviation >= 0, initialStandardDeviation.isFinite else {
                throw AttuneMLError.invalidArgument("initialStandardDeviation must be non-negative")
            }
        }
    }

    package let configuration: Configuration
    /// n, the number of features the model knows.
    package let featureCount: Int
    /// w₀.
    package internal(set) var bias: Float
    /// w, one weight per feature.
    package internal(set) var linear: [Float]
    /// V, features x k, row-major.
    package internal(set) var featureFactors: DenseMatrix
    /// The user, item and context rows used when scoring as a ``Recommender``.
    package let layout: FactorizationLayout

    /// Assembles a model from parameters.
    /// - Throws: `AttuneMLError.invalidArgument` on a bad configuration or a non-finite parameter,
    ///   `AttuneMLError.dimensionMismatch` when shapes disagree, `AttuneMLError.indexOutOfRange` when
    ///   the layout names a feature outside `0..<featureCount`.
    package init(
        configuration: Configuration, featureCount: Int, layout: FactorizationLayout = FactorizationLayout(),
        bias: Float, linear: [Float], featureFactors: DenseMatrix
    ) throws {
        try configuration.validate()
        guard featureCount > 0, featureCount <= Int(Int32.max) else {
            throw AttuneMLError.invalidArgument("featureCount must be in 1...\(Int32.max)")
        }
        guard linear.count == featureCount, featureFactors.rowCount == featureCount,
            featureFactors.columnCount == configuration.factors
        else {
            throw AttuneMLError.dimensionMismatch(
                "\(linear.count) weights and \(featureFactors.rowCount)x\(featureFactors.columnCount) factors "
                    + "for \(featureCount) features of width \(configuration.factors)")
        }
        guard bias.isFinite, linear.allSatisfy(\.isFinite), featureFactors.values.allSatisfy(\.isFinite) else {
            throw AttuneMLError.invalidArgument("parameters must be finite")
        }
        try layout.validate(featureCount: featureCount)
        self.configuration = configuration
        self.featureCount = featureCount
        self.layout = layout
        self.bias = bias
        self.linear = linear
        self.featureFactors = featureFactors
    }

    /// An untrained model: zero weights, small random factors.
    /// - Throws: as ``init(configuration:featureCount:layout:bias:linear:featureFactors:)``.
    package init(
        untrained configuration: Configuration, featureCount: Int,
        layout: FactorizationLayout = FactorizationLayout()
    ) throws {
        try configuration.validate()
        guard featureCount > 0, featureCount <= Int(Int32.max) else {
            throw AttuneMLError.invalidArgument("featureCount must be in 1...\(Int32.max)")
        }
        var generator = SeededGenerator(seed: configuration.seed)
        // Uniform on [−σ√3, σ√3) has standard deviation σ; small and centred so that initial
        // interactions are near zero and symmetric.
        let width = 2 * 3.0.squareRoot() * Double(configuration.initialStandardDeviation)
        let factors = DenseMatrix.random(
            rowCount: featureCount, columnCount: configuration.factors,
            scale: Float(width), offset: -0.5, using: &generator)
        try self.init(
            configuration: configuration, featureCount: featureCount, layout: layout, bias: 0,
            linear: [Float](repeating: 0, count: featureCount), featureFactors: factors)
    }

    /// The number of items in the layout.
    package var itemCount: Int { layout.items.count }
    /// The number of users in the layout.
    package var userCount: Int { layout.users.count }

    // MARK: Prediction

    /// The model output `ŷ(x)` for one example (a raw score; see ``probability(_:)`` for log loss).
    /// - Throws: `AttuneMLError.invalidArgument` on an empty example or a non-finite value,
    ///   `AttuneMLError.indexOutOfRange` on a feature outside `0..<featureCount`.
    /// - Complexity: O(k·m), m the number of entries.
    package func predict(_ example: FeatureVector) throws -> Float {
        try example.validate(featureCount: featureCount)
        var sums = [Float](repeating: 0, count: configuration.factors)
        return output(example, sums: &sums)
    }

    /// `σ(ŷ(x))`: the click probability of a model trained with ``Loss/logistic``.
    /// - Throws: as ``predict(_:)``.
    package func probability(_ example: FeatureVector) throws -> Float {
        FactorizationKernels.sigmoid(try predict(example))
    }

    /// `ŷ(x)` of a validated example; leaves `Σⱼ xⱼvⱼ` in `sums`.
    func output(_ example: FeatureVector, sums: inout [Float]) -> Float {
        let k = configuration.factors
        return example.indices.withUnsafeBufferPointer { idx in
            example.values.withUnsafeBufferPointer { val in
                linear.withUnsafeBufferPointer { w in
                    featureFactors.values.withUnsafeBufferPointer { v in
                        sums.withUnsafeMutableBufferPointer { s in
                            for f in 0..<k { s[f] = 0 }
                            let (lin, sq) = FactorizationKernels.accumulate(
                                idx.baseAddress!, val.baseAddress!, example.count, w: w.baseAddress!,
                                v: v.baseAddress!, k: k, sums: s.baseAddress!)
                            let norm = VectorKernels.dot(s.baseAddress!, s.baseAddress!, count: k)
                            return bias + lin + 0.5 * (norm - sq)
                        }
                    }
                }
            }
        }
    }

    // MARK: Scoring every item

    /// Scores every layout item joined with `context` (the user's features and the request's
    /// context, already encoded): `scores[i] = ŷ(context ∪ itemᵢ)`.
    ///
    /// The context part's sums and pairwise term are computed once; each item then costs one
    /// pass over its own few entries and one dot product, `ŷ = c + ŷ_item + ⟨s_context, s_item⟩`.
    /// - Throws: `AttuneMLError.indexOutOfRange` / `invalidArgument` on a bad context,
    ///   `AttuneMLError.dimensionMismatch` when `scores` is not one per item.
    /// - Complexity: O(k·(m_context + Σᵢ mᵢ)), i.e. O(k) per item with a fixed number of item fields.
    package func scoreItems(context: FeatureVector, into scores: UnsafeMutableBufferPointer<Float>) throws {
        try context.validate(featureCount: featureCount, allowEmpty: true)
        guard scores.count == itemCount else {
            throw AttuneMLError.dimensionMismatch("\(scores.count) scores for \(itemCount) items")
        }
        scoreValidated(context: [context], into: scores)
    }

    /// Implements ``scoreItems(context:into:)`` for parts already known to be valid.
    private func scoreValidated(context parts: [FeatureVector], into scores: UnsafeMutableBufferPointer<Float>) {
        let k = configuration.factors
        var a = [Float](repeating: 0, count: k)
        var b = [Float](repeating: 0, count: k)
        linear.withUnsafeBufferPointer { w in
            featureFactors.values.withUnsafeBufferPointer { v in
                a.withUnsafeMutableBufferPointer { aBuf in
                    b.withUnsafeMutableBufferPointer { bBuf in
                        let wp = w.baseAddress!
                        let vp = v.baseAddress!
                        let ap = aBuf.baseAddress!
                        let bp = bBuf.baseAddress!
                        var linA: Float = 0
                        var sqA: Float = 0
                        for part in parts {
                            part.indices.withUnsafeBufferPointer { idx in
                                part.values.withUnsafeBufferPointer { val in
                                    guard !part.isEmpty else { return }
                                    let (l, s) = FactorizationKernels.accumulate(
                                        idx.baseAddress!, val.baseAddress!, part.count, w: wp, v: vp, k: k, sums: ap)
                                    linA += l
                                    sqA += s
                                }
                            }
                        }
                        let constant = bias + linA + 0.5 * (VectorKernels.dot(ap, ap, count: k) - sqA)
                        let items = layout.items
                        items.offsets.withUnsafeBufferPointer { off in
                            items.indices.withUnsafeBufferPointer { idx in
                                items.values.withUnsafeBufferPointer { val in
                                    for i in 0..<items.count {
                                        for f in 0..<k { bp[f] = 0 }
                                        let lo = off[i]
                                        let (linB, sqB) = FactorizationKernels.accumulate(
                                            idx.baseAddress! + lo, val.baseAddress! + lo, off[i + 1] - lo,
                                            w: wp, v: vp, k: k, sums: bp)
                                        scores[i] =
                                            constant + linB + 0.5 * (VectorKernels.dot(bp, bp, count: k) - sqB)
                                            + VectorKernels.dot(ap, bp, count: k)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Scores every item for user `user` in the layout's fixed context. An unknown user (`nil` or
    /// outside the layout) is scored from the context alone, which ranks by item weights and
    /// item-context affinity: the context-aware popularity fallback until the next training.
    /// - Complexity: as ``scoreItems(context:into:)``.
    package func score(
        user: Int?, history: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
        into scores: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(scores.count == itemCount, "one score per item")
        scoreValidated(context: contextParts(user: user), into: scores)
    }

    /// The user's row (when known) and the fixed context.
    private func contextParts(user: Int?) -> [FeatureVector] {
        if let u = user, u >= 0, u < userCount { return [layout.users[row: u], layout.context] }
        return [layout.context]
    }

    /// Top-`k` unseen items for every row of `seen` through blocked matrix products: the user and
    /// context sums form one matrix, the items' sums another, and each item's own linear and
    /// pairwise terms act as an item bias (the user's constant part does not change the order).
    /// - Complexity: O(k·(entries of users and items)) to precompute, then as
    ///   ``FactorScoring/recommendAll(userFactors:itemFactors:itemBias:seen:k:threads:)``.
    package func recommendAll(seen: SparseMatrix, k: Int, threads: Int) -> [[Int32]] {
        guard seen.columnCount == itemCount else {
            return RecommendAll.run(userCount: seen.rowCount, itemCount: itemCount, seen: seen, k: k, threads: threads)
            {
                user, history, values, scores in
                self.score(user: user, history: history, values: values, into: scores)
            }
        }
        let (itemSums, itemTerms) = partSums(rows: layout.items)
        var contexts = FeatureRows()
        for u in 0..<seen.rowCount {
            contexts.append(contextParts(user: u).reduce(FeatureVector(), +))
        }
        let (userSums, _) = partSums(rows: contexts)
        return FactorScoring.recommendAll(
            userFactors: userSums, itemFactors: itemSums, itemBias: itemTerms,
            seen: seen, k: k, threads: threads)
    }

    /// For each row: `Σⱼ xⱼvⱼ` (a row of the returned matrix) and its own `linear + pairwise` term.
    /// - Complexity: O(k · entries).
    func partSums(rows: FeatureRows) -> (DenseMatrix, [Float]) {
        let k = configuration.factors
        var sums = DenseMatrix(rowCount: rows.count, columnCount: k)
        var terms = [Float](repeating: 0, count: rows.count)
        linear.withUnsafeBufferPointer { w in
            featureFactors.values.withUnsafeBufferPointer { v in
                rows.offsets.withUnsafeBufferPointer { off in
                    rows.indices.withUnsafeBufferPointer { idx in
                        rows.values.withUnsafeBufferPointer { val in
                            sums.values.withUnsafeMutableBufferPointer { out in
                                for r in 0..<rows.count {
                                    let lo = off[r]
                                    let m = off[r + 1] - lo
                                    let s = out.baseAddress! + r * k
                                    guard m > 0 else { continue }
                                    let (lin, sq) = FactorizationKernels.accumulate(
                                        idx.baseAddress! + lo, val.baseAddress! + lo, m,
                                        w: w.baseAddress!, v: v.baseAddress!, k: k, sums: s)
                                    terms[r] = lin + 0.5 * (VectorKernels.dot(s, s, count: k) - sq)
                                }
                            }
                        }
                    }
                }
            }
        }
        return (sums, terms)
    }
}
