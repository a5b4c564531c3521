import RealModule

/// Bayesian Personalised Ranking: matrix factorisation trained by SGD to rank each user's items
/// above items they have not interacted with.
///
/// Maximises `Σ ln σ(x̂_ui − x̂_uj) − λ‖Θ‖²` over sampled triples `(u, i, j)` with `i` observed for
/// `u` and `j` drawn uniformly from the catalogue, where `x̂_ui = pᵤ·qᵢ + bᵢ` (Rendle, Freudenthaler,
/// Gantner, Schmidt-Thieme, "BPR: Bayesian Personalized Ranking from Implicit Feedback", UAI 2009).
/// Several threads update the shared factors without locks (Niu, Recht, Ré, Wright, "Hogwild!",
/// NIPS 2011): with one thread a seed gives identical factors; with more, runs differ slightly.
package struct BPR: Recommender, Equatable {
    /// Hyper-parameters, saved with the model.
    package struct Configuration: Sendable, Equatable {
        /// Width of the user and item vectors.
        package var factors: Int
        /// SGD step size.
        package var learningRate: Float
        /// λ, the L2 penalty applied at every update.
        package var regularization: Float
        /// Epochs; each draws as many triples as there are interactions.
        package var iterations: Int
        /// Seeds the initial factors and the sampling.
        package var seed: UInt64

        package init(factors: Int = 64, learningRate: Float = 0.01, regularization: Float = 0.01,
                     iterations: Int = 100, seed: UInt64 = 42) {
            self.factors = factors
            self.learningRate = learningRate
            self.regularization = regularization
            self.iterations = iterations
            self.seed = seed
        }

        func validate() throws {
            guard factors > 0 else { throw AttuneMLError.invalidArgument("factors must be positive") }
            guard learningRate > 0, learningRate.isFinite else {
                throw AttuneMLError.invalidArgument("learningRate must be positive")
            }
            guard regularization >= 0, regularization.isFinite else {
                throw AttuneMLError.invalidArgument("regularization must be non-negative")
            }
            guard iterations >= 0 else { throw AttuneMLError.invalidArgument("iterations must be non-negative") }
        }
    }

    package let configuration: Configuration
    /// users x factors.
    package let userFactors: DenseMatrix
    /// items x factors.
    package let itemFactors: DenseMatrix
    /// One bias per item (a learned popularity term).
    package let itemBias: [Float]

    package var itemCount: Int { itemFactors.rowCount }
    package var userCount: Int { userFactors.rowCount }

    /// Assembles a model from trained parameters.
    /// - Throws: `AttuneMLError.dimensionMismatch` when shapes disagree.
    package init(configuration: Configuration, userFactors: DenseMatrix, itemFactors: DenseMatrix, itemBias: [Float]) throws {
        guard userFactors.columnCount == configuration.factors, itemFactors.columnCount == configuration.factors,
              itemBias.count == itemFactors.rowCount else {
            throw AttuneMLError.dimensionMismatch("factor widths or bias count disagree")
        }
        self.configuration = configuration
        self.userFactors = userFactors
        self.itemFactors = itemFactors
        self.itemBias = itemBias
    }

    /// Scores a known user with their vector; an unknown user with the mean of their items'
    /// vectors (bias only when the history is empty), a cheap stand-in until the next training.
    package func score(user: Int?, history: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
                       into scores: UnsafeMutableBufferPointer<Float>) {
        let f = configuration.factors
        if let u = user, u >= 0, u < userCount {
            userFactors.values.withUnsafeBufferPointer { pv in
                FactorScoring.score(userVector: pv.baseAddress! + u * f, itemFactors: itemFactors, itemBias: itemBias,
                                    into: scores)
            }
            return
        }
        foldIn(items: Array(history)).withUnsafeBufferPointer {
            FactorScoring.score(userVector: $0.baseAddress!, itemFactors: itemFactors, itemBias: itemBias, into: scores)
        }
    }

    /// The vector of a user the model has not seen: the mean of their items' factors (items
    /// outside the catalogue are skipped; no items gives the zero vector).
    package func foldIn(items: [Int32]) -> [Float] {
        let f = configuration.factors
        var mean = [Float](repeating: 0, count: f)
        let known = items.filter { $0 >= 0 && Int($0) < itemCount }
        for i in known {
            for k in 0..<f { mean[k] += itemFactors[Int(i), k] / Float(known.count) }
        }
        return mean
    }

    /// Blocked `P · Qᵀ + b` for every user of `seen` (row `u` = user `u` of training).
    /// A `seen` matrix of another shape (users added since training) goes through the per-user path,
    /// where unknown users are served from their history.
    package func recommendAll(seen: SparseMatrix, k: Int, threads: Int) -> [[Int32]] {
        FactorScoring.recommendAll(
            model: self, userFactors: userFactors, itemFactors: itemFactors, itemBias: itemBias, seen: seen, k: k, threads: threads)
    }

    // MARK: Persistence

    private static let tag = "BPRM"

    /// A compact little-endian blob; see ``BinaryWriter``.
    package func serialized() -> [UInt8] {
        var w = BinaryWriter(tag: Self.tag, version: 1)
        w.write(Int64(configuration.factors))
        w.write(configuration.learningRate)
        w.write(configuration.regularization)
        w.write(Int64(configuration.iterations))
        w.write(configuration.seed)
        w.write(userFactors)
        w.write(itemFactors)
        w.write(itemBias)
        return w.bytes
    }

    /// - Throws: `AttuneMLError.corruptData` / `unsupportedVersion` on a bad blob.
    package init(serialized bytes: [UInt8]) throws {
        try self.init(reading: try BinaryReader(bytes, tag: Self.tag, maxVersion: 1))
    }

    /// Decodes the factors straight from the snapshot file (no copy of the blob in memory).
    package init(continuing reader: BinaryReader) throws {
        try self.init(reading: try BinaryReader(continuing: reader, tag: Self.tag, maxVersion: 1))
    }

    private init(reading reader: BinaryReader) throws {
        var r = reader
        let c = Configuration(
            factors: Int(try r.read(Int64.self)), learningRate: try r.readFloat(), regularization: try r.readFloat(),
            iterations: Int(try r.read(Int64.self)), seed: try r.read(UInt64.self))
        let users = try r.readDenseMatrix()
        let items = try r.readDenseMatrix()
        let bias = try r.readFloats()
        try r.expectEnd()
        do {
            try c.validate()
            try self.init(configuration: c, userFactors: users, itemFactors: items, itemBias: bias)
        } catch {
            throw AttuneMLError.corruptData("stored configuration does not match the factors")
        }
    }
}
