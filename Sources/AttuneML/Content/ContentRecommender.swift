/// Content-based recommendation: ranks items by the cosine between a user's profile and each
/// item's content vector.
///
/// An item's content vector is its TF-IDF row (``TFIDFVectorizer``), a dense embedding the caller
/// supplies (from a text or image encoder, for instance), or both side by side. A user's profile
/// is the recency-weighted sum of the vectors of the items in their history (``RecencyDecay``),
/// the classic profile of content-based filtering (Pazzani & Billsus, "Content-based
/// recommendation systems", *The Adaptive Web*, LNCS 4321, 2007; Lops, de Gemmis, Semeraro,
/// *Recommender Systems Handbook*, 2011, ch. 3).
///
/// With both kinds of vector, each is scaled to unit length and the two are concatenated with
/// weights `√(1 − w)` and `√w` (`w` = ``Configuration/embeddingWeight``), so the cosine is
/// `((1 − w) pₜ·xⱼ + w pₑ·eⱼ) / (‖p‖ ‖zⱼ‖)`: `w = 0` is text only, `w = 1` embeddings only.
///
/// Fallbacks: a user whose profile is empty (no history, or only items without content) is scored
/// by training popularity, so cold users still get a list; an item without content has cosine 0.
package struct ContentRecommender: Recommender, Equatable {
    /// Hyper-parameters, saved with the model.
    package struct Configuration: Sendable, Equatable {
        /// How older items of a user's sequence are discounted in the profile.
        package var decay: RecencyDecay
        /// Only the latest `historyLimit` items form the profile; `nil` uses them all.
        package var historyLimit: Int?
        /// Share of the dense embeddings in the cosine, in [0, 1].
        package var embeddingWeight: Float
        /// Adds `popularityWeight · popularity / max popularity` to every cosine (>= 0). A tiny value
        /// such as 1e-6 only orders items whose content ties (same categories, no shared words) by
        /// popularity instead of by index; larger values blend in popularity.
        package var popularityWeight: Float

        package init(
            decay: RecencyDecay = .position(halfLife: 5), historyLimit: Int? = nil, embeddingWeight: Float = 0,
            popularityWeight: Float = 0
        ) {
            self.decay = decay
            self.historyLimit = historyLimit
            self.embeddingWeight = embeddingWeight
            self.popularityWeight = popularityWeight
        }

        /// - Throws: `AttuneMLError.invalidArgument` naming the first bad field.
        package func validate() throws {
            try decay.validate()
            if let l = historyLimit, l <= 0 { throw AttuneMLError.invalidArgument("historyLimit must be positive") }
            guard embeddingWeight >= 0, embeddingWeight <= 1 else {
                throw AttuneMLError.invalidArgument("embeddingWeight must be in [0, 1]")
            }
            guard popularityWeight >= 0, popularityWeight.isFinite else {
                throw AttuneMLError.invalidArgument("popularityWeight must be finite and non-negative")
            }
        }
    }

    package let configuration: Configuration
    /// items x terms, rows of unit length (or empty); zero columns when text is not used.
    package let itemFeatures: SparseMatrix
    /// items x d, rows of unit length (or zero); zero columns when embeddings are not used.
    package let itemEmbeddings: DenseMatrix
    /// users x items: the recency weight of each item in each training user's profile.
    package let userWeights: SparseMatrix
    /// Training interactions per item: the ranking for users without a profile.
    package let popularity: [Float]
    /// `‖zⱼ‖` of every item's combined vector (0 for an item without content).
    private let itemNorms: [Float]
    /// `popularityWeight · popularity / max popularity` per item.
    private let popularityBoost: [Float]

    package var itemCount: Int { popularity.count }
    package var userCount: Int { userWeights.rowCount }

    /// Assembles a model from its parts (as ``fit(sequences:timestamps:itemFeatures:itemEmbeddings:configuration:)``
    /// produces them: unit rows).
    /// - Throws: `AttuneMLError.dimensionMismatch` when the item counts disagree,
    ///   `AttuneMLError.invalidArgument` on a bad configuration or a missing kind of vector.
    package init(
        configuration: Configuration, itemFeatures: SparseMatrix, itemEmbeddings: DenseMatrix,
        userWeights: SparseMatrix, popularity: [Float]
    ) throws {
        try configuration.validate()
        let n = popularity.count
        guard itemFeatures.rowCount == n, itemEmbeddings.rowCount == n, userWeights.columnCount == n else {
            throw AttuneMLError.dimensionMismatch(
                "\(n) items, \(itemFeatures.rowCount) feature rows, \(itemEmbeddings.rowCount) embedding rows, "
                    + "\(userWeights.columnCount) weight columns")
        }
        let w = configuration.embeddingWeight
        if w < 1, itemFeatures.columnCount == 0, n > 0 {
            throw AttuneMLError.invalidArgument("embeddingWeight below 1 needs item features")
        }
        if w > 0, itemEmbeddings.columnCount == 0, n > 0 {
            throw AttuneMLError.invalidArgument("embeddingWeight above 0 needs item embeddings")
        }
        self.configuration = configuration
        self.itemFeatures = itemFeatures
        self.itemEmbeddings = itemEmbeddings
        self.userWeights = userWeights
        self.popularity = popularity
        var norms = [Float](repeating: 0, count: n)
        let d = itemEmbeddings.columnCount
        for j in 0..<n {
            var text: Float = 0
            for v in itemFeatures.values(ofRow: j) { text += v * v }
            var dense: Float = 0
            for k in 0..<d { dense += itemEmbeddings[j, k] * itemEmbeddings[j, k] }
            norms[j] = ((1 - w) * text + w * dense).squareRoot()
        }
        itemNorms = norms
        let maxPopularity = popularity.max() ?? 0
        popularityBoost =
            maxPopularity > 0 && configuration.popularityWeight > 0
            ? popularity.map { configuration.popularityWeight * $0 / maxPopularity }
            : [Float](repeating: 0, count: n)
    }

    /// Builds the user profiles' weights and normalises the item vectors.
    ///
    /// - Parameters:
    ///   - sequences: per training user, their items in chronological order (oldest first).
    ///   - timestamps: per user, aligned with `sequences`; needed only by `.time` decay.
    ///   - itemFeatures: items x terms, for instance ``TFIDFVectorizer/transform(_:)``; each row is
    ///     scaled to unit length. Needed unless `embeddingWeight == 1`.
    ///   - itemEmbeddings: items x d dense vectors; each row is scaled to unit length. Needed when
    ///     `embeddingWeight > 0`.
    ///   - configuration: see ``Configuration``.
    /// - Throws: `AttuneMLError.invalidArgument` on a bad configuration, a missing or non-finite
    ///   kind of vector; `AttuneMLError.dimensionMismatch` when the two kinds disagree on the item
    ///   count; `AttuneMLError.indexOutOfRange` on an item outside the catalogue.
    /// - Complexity: O(nnz(features) + items · d + Σ n_u log n_u).
    package static func fit(
        sequences: [[Int32]], timestamps: [[Int64]]? = nil, itemFeatures: SparseMatrix? = nil,
        itemEmbeddings: DenseMatrix? = nil, configuration: Configuration = .init()
    ) throws -> ContentRecommender {
        try configuration.validate()
        let w = configuration.embeddingWeight
        guard let n = itemFeatures?.rowCount ?? itemEmbeddings?.rowCount else {
            throw AttuneMLError.invalidArgument("needs item features, item embeddings or both")
        }
        if let e = itemEmbeddings, e.rowCount != n {
            throw AttuneMLError.dimensionMismatch("\(n) feature rows, \(e.rowCount) embedding rows")
        }
        if w < 1, itemFeatures == nil {
            throw AttuneMLError.invalidArgument("embeddingWeight below 1 needs item features")
        }
        if w > 0, itemEmbeddings == nil {
            throw AttuneMLError.invalidArgument("embeddingWeight above 0 needs item embeddings")
        }
        // A part with zero weight is not stored: it would cost memory and time for nothing.
        let features =
            w < 1
            ? try unitRows(itemFeatures!)
            : SparseMatrix(
                rowCount: n, columnCount: 0, rowOffsets: [Int](repeating: 0, count: n + 1), columnIndices: [],
                values: [])
        let embeddings = w > 0 ? try unitRows(itemEmbeddings!) : DenseMatrix(rowCount: n, columnCount: 0)
        let weights = try configuration.decay.userItemWeights(
            sequences: sequences, timestamps: timestamps, itemCount: n, limit: configuration.historyLimit)
        var popularity = [Float](repeating: 0, count: n)
        for s in sequences { for i in s { popularity[Int(i)] += 1 } }
        return try ContentRecommender(
            configuration: configuration, itemFeatures: features, itemEmbeddings: embeddings,
            userWeights: weights, popularity: popularity)
    }

    static func unitRows(_ m: SparseMatrix) throws -> SparseMatrix {
        guard m.values.allSatisfy(\.isFinite) else {
            throw AttuneMLError.invalidArgument("item features must be finite")
        }
        var values = m.values
        for r in 0..<m.rowCount {
            let range = m.rowOffsets[r]..<m.rowOffsets[r + 1]
            var s: Double = 0
            for p in range { s += Double(values[p]) * Double(values[p]) }
            guard s > 0 else { continue }
            let scale = Float(1 / s.squareRoot())
            for p in range { values[p] *= scale }
        }
        return SparseMatrix(
            rowCount: m.rowCount, columnCount: m.columnCount, rowOffsets: m.rowOffsets,
            columnIndices: m.columnIndices, values: values)
    }

    static func unitRows(_ m: DenseMatrix) throws -> DenseMatrix {
        guard m.values.allSatisfy(\.isFinite) else {
            throw AttuneMLError.invalidArgument("item embeddings must be finite")
        }
        var out = m
        let d = m.columnCount
        out.values.withUnsafeMutableBufferPointer { v in
            for r in 0..<m.rowCount {
                let row = v.baseAddress! + r * d
                let norm = VectorKernels.norm(row, count: d)
                guard norm > 0 else { continue }
                for k in 0..<d { row[k] /= norm }
            }
        }
        return out
    }

    /// Cosine of every item with the user's profile.
    ///
    /// A trained user (`user` in `0..<userCount`) is scored from the recency weights of their
    /// training sequence, and `history` only matters for exclusion by the caller. Any other user is
    /// scored from `history` with `values` as the weight of each item: pass 1s for a plain sum, or
    /// ``RecencyDecay/weights(count:timestamps:)`` of the chronological order to discount old items.
    /// An empty profile falls back to training popularity.
    /// - Complexity: O(Σ_{i ∈ history} (nnz(xᵢ) + d) + nnz(features) + items · d + terms).
    package func score(
        user: Int?, history: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
        into scores: UnsafeMutableBufferPointer<Float>
    ) {
        if let u = user, u >= 0, u < userCount {
            let lo = userWeights.rowOffsets[u]
            let hi = userWeights.rowOffsets[u + 1]
            userWeights.columnIndices.withUnsafeBufferPointer { c in
                userWeights.values.withUnsafeBufferPointer { v in
                    scoreProfile(
                        items: UnsafeBufferPointer(rebasing: c[lo..<hi]),
                        weights: UnsafeBufferPointer(rebasing: v[lo..<hi]), into: scores)
                }
            }
        } else {
            scoreProfile(items: history, weights: values, into: scores)
        }
    }

    private func scoreProfile(
        items: UnsafeBufferPointer<Int32>, weights: UnsafeBufferPointer<Float>,
        into scores: UnsafeMutableBufferPointer<Float>
    ) {
        let n = itemCount
        let terms = itemFeatures.columnCount
        let d = itemEmbeddings.columnCount
        let w = configuration.embeddingWeight
        // One scratch array per call holds the profile in term space and in embedding space (a
        // heap array: a stack-allocated temporary buffer here crashed the optimised build).
        var scratchArray = [Float](repeating: 0, count: terms + d + 1)
        scratchArray.withUnsafeMutableBufferPointer { scratch in
            let pt = scratch.baseAddress!
            let pe = pt + terms
            var anyContent = false
            itemFeatures.rowOffsets.withUnsafeBufferPointer { off in
                itemFeatures.columnIndices.withUnsafeBufferPointer { col in
                    itemFeatures.values.withUnsafeBufferPointer { val in
                        itemEmbeddings.values.withUnsafeBufferPointer { emb in
                            itemNorms.withUnsafeBufferPointer { norms in
                                popularityBoost.withUnsafeBufferPointer { boost in
                                    for (h, item) in items.enumerated() {
                                        let i = Int(item)
                                        guard i >= 0, i < n, norms[i] > 0 else { continue }
                                        let wi = h < weights.count ? weights[h] : 1
                                        guard wi != 0, wi.isFinite else { continue }
                                        anyContent = true
                                        for p in off[i]..<off[i + 1] { pt[Int(col[p])] += wi * val[p] }
                                        if d > 0 { VectorKernels.axpy(wi, emb.baseAddress! + i * d, pe, count: d) }
                                    }
                                    var profileSquared: Float = 0
                                    if terms > 0 { profileSquared += (1 - w) * VectorKernels.dot(pt, pt, count: terms) }
                                    if d > 0 { profileSquared += w * VectorKernels.dot(pe, pe, count: d) }
                                    guard anyContent, profileSquared > 0 else {
                                        _ = scores.update(fromContentsOf: popularity)
                                        return
                                    }
                                    let inverseProfileNorm = 1 / profileSquared.squareRoot()
                                    for j in 0..<n {
                                        let nj = norms[j]
                                        guard nj > 0 else {
                                            scores[j] = boost[j]
                                            continue
                                        }
                                        var text: Float = 0
                                        for p in off[j]..<off[j + 1] { text += pt[Int(col[p])] * val[p] }
                                        var s = (1 - w) * text
                                        if d > 0 { s += w * VectorKernels.dot(pe, emb.baseAddress! + j * d, count: d) }
                                        scores[j] = s * inverseProfileNorm / nj + boost[j]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: Persistence

    private static let tag = "CONT"

    /// A compact little-endian blob; see ``BinaryWriter``.
    package func serialized() -> [UInt8] {
        var w = BinaryWriter(tag: Self.tag, version: 1)
        configuration.decay.write(to: &w)
        w.write(Int64(configuration.historyLimit ?? 0))
        w.write(configuration.embeddingWeight)
        w.write(configuration.popularityWeight)
        w.write(itemFeatures)
        w.write(itemEmbeddings)
        w.write(userWeights)
        w.write(popularity)
        return w.bytes
    }

    /// - Throws: `AttuneMLError.corruptData` / `unsupportedVersion` on a bad blob.
    package init(serialized bytes: [UInt8]) throws {
        var r = try BinaryReader(bytes, tag: Self.tag, maxVersion: 1)
        let decay = try RecencyDecay(from: &r)
        let limit = try r.read(Int64.self)
        let embeddingWeight = try r.readFloat()
        let popularityWeight = try r.readFloat()
        let features = try r.readSparseMatrix()
        let embeddings = try r.readDenseMatrix()
        let weights = try r.readSparseMatrix()
        let popularity = try r.readFloats()
        try r.expectEnd()
        let c = Configuration(
            decay: decay, historyLimit: limit > 0 ? Int(limit) : nil, embeddingWeight: embeddingWeight,
            popularityWeight: popularityWeight)
        do {
            try self.init(
                configuration: c, itemFeatures: features, itemEmbeddings: embeddings, userWeights: weights,
                popularity: popularity)
        } catch {
            throw AttuneMLError.corruptData("stored configuration does not match the vectors")
        }
    }
}
