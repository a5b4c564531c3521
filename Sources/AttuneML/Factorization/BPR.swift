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

    /// Trains on a users x items matrix (values ignored: every stored entry is a positive).
    ///
    /// - Parameters:
    ///   - interactions: users x items.
    ///   - configuration: hyper-parameters.
    ///   - threads: lock-free SGD workers; 1 is fully deterministic.
    /// - Throws: `AttuneMLError.invalidArgument` on a bad configuration or a negative or non-finite value.
    /// - Complexity: O(iterations · nnz · (f + log d)) with d the user's row length (negative check).
    package static func fit(interactions: SparseMatrix, configuration: Configuration, threads: Int = 1) throws -> BPR {
        try configuration.validate()
        guard interactions.hasNonNegativeFiniteValues else {
            throw AttuneMLError.invalidArgument("interaction values must be finite and non-negative")
        }
        let f = configuration.factors
        let users = interactions.rowCount
        let items = interactions.columnCount
        var generator = SeededGenerator(seed: configuration.seed)
        // Centred, scaled by 1/f so initial scores are near zero whatever the width.
        var p = DenseMatrix.random(rowCount: users, columnCount: f, scale: 1 / Float(f), offset: -0.5, using: &generator)
        var q = DenseMatrix.random(rowCount: items, columnCount: f, scale: 1 / Float(f), offset: -0.5, using: &generator)
        var bias = [Float](repeating: 0, count: items)
        let nnz = interactions.nonZeroCount
        guard nnz > 0, items > 1 else {
            return try BPR(configuration: configuration, userFactors: p, itemFactors: q, itemBias: bias)
        }
        // Row of every stored entry, so a uniform entry draw weights users by activity.
        var owners = [Int32](repeating: 0, count: nnz)
        for u in 0..<users {
            for e in interactions.rowOffsets[u]..<interactions.rowOffsets[u + 1] { owners[e] = Int32(u) }
        }
        let userOfEntry = owners
        let workers = Swift.max(1, Swift.min(threads, 64))
        let lr = configuration.learningRate
        let reg = configuration.regularization
        p.values.withUnsafeMutableBufferPointer { pBuf in
            q.values.withUnsafeMutableBufferPointer { qBuf in
                bias.withUnsafeMutableBufferPointer { bBuf in
                    let pP = SharedMutablePointer(pBuf.baseAddress!)
                    let qP = SharedMutablePointer(qBuf.baseAddress!)
                    let bP = SharedMutablePointer(bBuf.baseAddress!)
                    // Workers share pP/qP/bP and may race on a row (Hogwild): updates are sparse, so
                    // collisions are rare and a lost update only costs a little progress.
                    for epoch in 0..<configuration.iterations {
                        let epochGenerator = generator.split(stream: epoch)
                        ParallelRange.forEachChunk(count: workers, threads: workers, chunksPerThread: 1) { _, range in
                            for worker in range {
                                var rng = epochGenerator.split(stream: worker)
                                let samples = nnz / workers + (worker < nnz % workers ? 1 : 0)
                                interactions.rowOffsets.withUnsafeBufferPointer { off in
                                    interactions.columnIndices.withUnsafeBufferPointer { col in
                                        userOfEntry.withUnsafeBufferPointer { owner in
                                            runSamples(
                                                samples, rng: &rng, nnz: nnz, items: items, f: f, lr: lr, reg: reg,
                                                offsets: off.baseAddress!, columns: col.baseAddress!,
                                                owner: owner.baseAddress!, p: pP.base, q: qP.base, bias: bP.base)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return try BPR(configuration: configuration, userFactors: p, itemFactors: q, itemBias: bias)
    }

    /// The SGD inner loop of one worker for one epoch.
    @inline(__always)
    private static func runSamples(
        _ samples: Int, rng: inout SeededGenerator, nnz: Int, items: Int, f: Int, lr: Float, reg: Float,
        offsets: UnsafePointer<Int>, columns: UnsafePointer<Int32>, owner: UnsafePointer<Int32>,
        p: UnsafeMutablePointer<Float>, q: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>
    ) {
        for _ in 0..<samples {
            let e = rng.nextIndex(below: nnz)
            let u = Int(owner[e])
            let i = Int(columns[e])
            let j = rng.nextIndex(below: items)
            // A sampled "negative" the user actually has would push a positive down: skip it.
            if contains(columns, from: offsets[u], to: offsets[u + 1], Int32(j)) { continue }
            let pu = p + u * f
            let qi = q + i * f
            let qj = q + j * f
            let x = VectorKernels.dot(pu, qi, count: f) - VectorKernels.dot(pu, qj, count: f) + bias[i] - bias[j]
            let z = 1 / (1 + Float.exp(x))  // σ(−x) = ∂ ln σ(x) / ∂x
            update(pu, qi, qj, z: z, lr: lr, reg: reg, f: f)
            bias[i] += lr * (z - reg * bias[i])
            bias[j] += lr * (-z - reg * bias[j])
        }
    }

    @inline(__always)
    private static func update(
        _ pu: UnsafeMutablePointer<Float>, _ qi: UnsafeMutablePointer<Float>, _ qj: UnsafeMutablePointer<Float>,
        z: Float, lr: Float, reg: Float, f: Int
    ) {
        let vz = SIMD8<Float>(repeating: z)
        let vlr = SIMD8<Float>(repeating: lr)
        let vreg = SIMD8<Float>(repeating: reg)
        let rp = UnsafeMutableRawPointer(pu)
        let ri = UnsafeMutableRawPointer(qi)
        let rj = UnsafeMutableRawPointer(qj)
        var k = 0
        while k + 8 <= f {
            let o = k * 4
            let a = UnsafeRawPointer(rp).loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            let b = UnsafeRawPointer(ri).loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            let c = UnsafeRawPointer(rj).loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            rp.storeBytes(of: a + vlr * (vz * (b - c) - vreg * a), toByteOffset: o, as: SIMD8<Float>.self)
            ri.storeBytes(of: b + vlr * (vz * a - vreg * b), toByteOffset: o, as: SIMD8<Float>.self)
            rj.storeBytes(of: c + vlr * (-vz * a - vreg * c), toByteOffset: o, as: SIMD8<Float>.self)
            k += 8
        }
        while k < f {
            let a = pu[k], b = qi[k], c = qj[k]
            pu[k] = a + lr * (z * (b - c) - reg * a)
            qi[k] = b + lr * (z * a - reg * b)
            qj[k] = c + lr * (-z * a - reg * c)
            k += 1
        }
    }

    /// Binary search in a sorted CSR row, branch-free: the outcome is a coin flip per step, which a
    /// branch predictor cannot learn, and this check is the hottest line of training.
    @inline(__always)
    private static func contains(_ columns: UnsafePointer<Int32>, from start: Int, to end: Int, _ key: Int32) -> Bool {
        var base = start
        var n = end - start
        if n == 0 { return false }
        while n > 1 {
            let half = n >> 1
            // All ones when columns[mid] > key, else zero: an arithmetic select the compiler keeps branch-free.
            let greater = Int((Int64(key) &- Int64(columns[base + half])) >> 63)
            base += half & ~greater
            n -= half
        }
        return columns[base] == key
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
        var mean = [Float](repeating: 0, count: f)
        let known = history.filter { $0 >= 0 && Int($0) < itemCount }
        for i in known {
            for k in 0..<f { mean[k] += itemFactors[Int(i), k] / Float(known.count) }
        }
        mean.withUnsafeBufferPointer {
            FactorScoring.score(userVector: $0.baseAddress!, itemFactors: itemFactors, itemBias: itemBias, into: scores)
        }
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
        var r = try BinaryReader(bytes, tag: Self.tag, maxVersion: 1)
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
