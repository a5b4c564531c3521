/// Matrix factorisation for implicit feedback by alternating least squares.
///
/// Minimises `Σ_{u,i} c_ui (p_ui − xᵤ·yᵢ)² + λ (Σ‖xᵤ‖² + Σ‖yᵢ‖²)` with preference `p_ui = 1` for an
/// observed pair and 0 otherwise, and confidence `c_ui = 1 + α · r_ui` (Hu, Koren, Volinsky,
/// "Collaborative Filtering for Implicit Feedback Datasets", ICDM 2008). Each half-step solves every
/// row's normal equations with a few conjugate-gradient steps warm-started from the previous
/// iteration (Takács, Pilászy, Tikk, "Applications of the conjugate gradient method for implicit
/// feedback collaborative filtering", RecSys 2011), using the precomputed `YᵀY + λI` so the cost per
/// row is linear in its number of interactions.
package struct ImplicitALS: Recommender, Equatable {
    /// Hyper-parameters, saved with the model.
    package struct Configuration: Sendable, Equatable {
        /// Width of the user and item vectors.
        package var factors: Int
        /// λ, the L2 penalty on every vector.
        package var regularization: Float
        /// α in the confidence `1 + α · r`.
        package var alpha: Float
        /// Alternations (users then items).
        package var iterations: Int
        /// Seeds the initial factors.
        package var seed: UInt64
        /// Conjugate-gradient steps per row and half-step; 0 solves exactly by Cholesky.
        package var conjugateGradientSteps: Int

        package init(factors: Int = 64, regularization: Float = 0.05, alpha: Float = 5, iterations: Int = 15,
                     seed: UInt64 = 42, conjugateGradientSteps: Int = 3) {
            self.factors = factors
            self.regularization = regularization
            self.alpha = alpha
            self.iterations = iterations
            self.seed = seed
            self.conjugateGradientSteps = conjugateGradientSteps
        }

        func validate() throws {
            guard factors > 0 else { throw AttuneMLError.invalidArgument("factors must be positive") }
            guard regularization >= 0, regularization.isFinite else {
                throw AttuneMLError.invalidArgument("regularization must be non-negative")
            }
            guard alpha >= 0, alpha.isFinite else { throw AttuneMLError.invalidArgument("alpha must be non-negative") }
            guard iterations >= 0 else { throw AttuneMLError.invalidArgument("iterations must be non-negative") }
            guard conjugateGradientSteps >= 0 else {
                throw AttuneMLError.invalidArgument("conjugateGradientSteps must be non-negative")
            }
        }
    }

    package let configuration: Configuration
    /// users x factors.
    package let userFactors: DenseMatrix
    /// items x factors.
    package let itemFactors: DenseMatrix
    /// `YᵀY + λI` of the final item factors, kept for fold-in.
    private let itemGram: DenseMatrix

    package var itemCount: Int { itemFactors.rowCount }
    package var userCount: Int { userFactors.rowCount }

    /// Assembles a model from trained factors.
    /// - Throws: `AttuneMLError.dimensionMismatch` when the widths disagree with `factors`.
    package init(configuration: Configuration, userFactors: DenseMatrix, itemFactors: DenseMatrix) throws {
        guard userFactors.columnCount == configuration.factors, itemFactors.columnCount == configuration.factors else {
            throw AttuneMLError.dimensionMismatch("factor widths \(userFactors.columnCount), \(itemFactors.columnCount)")
        }
        self.configuration = configuration
        self.userFactors = userFactors
        self.itemFactors = itemFactors
        itemGram = itemFactors.gram(addingToDiagonal: configuration.regularization)
    }

    /// Trains on a users x items matrix whose values are interaction counts (1 for implicit data).
    ///
    /// - Parameters:
    ///   - interactions: users x items, non-negative values.
    ///   - configuration: hyper-parameters.
    ///   - threads: workers over contiguous row ranges; results do not depend on it.
    /// - Throws: `AttuneMLError.invalidArgument` on a bad configuration or a negative or non-finite value.
    /// - Complexity: O(iterations · (nnz · f · s + (users + items) · f² · s)) with s the CG steps
    ///   (or O(iterations · (nnz · f² + (users + items) · f³)) for the exact solver).
    package static func fit(interactions: SparseMatrix, configuration: Configuration, threads: Int = 1) throws -> ImplicitALS {
        try configuration.validate()
        guard interactions.hasNonNegativeFiniteValues else {
            throw AttuneMLError.invalidArgument("interaction values must be finite and non-negative")
        }
        let f = configuration.factors
        var generator = SeededGenerator(seed: configuration.seed)
        // Small positive values, as implicit does: a zero start would make the first CG residual degenerate.
        var users = DenseMatrix.random(rowCount: interactions.rowCount, columnCount: f, scale: 0.01, using: &generator)
        var items = DenseMatrix.random(rowCount: interactions.columnCount, columnCount: f, scale: 0.01, using: &generator)
        let itemUsers = interactions.transposed()
        for _ in 0..<configuration.iterations where !TrainingStop.requested {
            try solve(rows: &users, fixed: items, interactions: interactions, configuration: configuration, threads: threads)
            try solve(rows: &items, fixed: users, interactions: itemUsers, configuration: configuration, threads: threads)
        }
        return try ImplicitALS(configuration: configuration, userFactors: users, itemFactors: items)
    }

    /// One half-step: re-solves every row of `rows` against the fixed factors.
    static func solve(
        rows: inout DenseMatrix, fixed: DenseMatrix, interactions: SparseMatrix,
        configuration: Configuration, threads: Int
    ) throws {
        let f = configuration.factors
        let gram = fixed.gram(addingToDiagonal: configuration.regularization)
        let alpha = configuration.alpha
        let steps = configuration.conjugateGradientSteps
        let failed = SharedFlag()
        if rows.rowCount == 0 { return }
        rows.values.withUnsafeMutableBufferPointer { xBuffer in
            let xP = SharedMutablePointer(xBuffer.baseAddress!)
            ParallelRange.forEachChunk(count: interactions.rowCount, threads: threads) { _, range in
                // Scratch opened once per chunk: residual, direction, A·direction (or the exact system).
                var scratch = [Float](repeating: 0, count: steps > 0 ? 3 * f : f * f + f)
                fixed.values.withUnsafeBufferPointer { yBuffer in
                gram.values.withUnsafeBufferPointer { gBuffer in
                interactions.rowOffsets.withUnsafeBufferPointer { off in
                interactions.columnIndices.withUnsafeBufferPointer { col in
                interactions.values.withUnsafeBufferPointer { val in
                scratch.withUnsafeMutableBufferPointer { s in
                    let y = yBuffer.baseAddress!
                    let g = gBuffer.baseAddress!
                    let sp = s.baseAddress!
                    for u in range {
                        let x = xP.base + u * f
                        let lo = off[u], hi = off[u + 1]
                        if steps > 0 {
                            conjugateGradient(x: x, y: y, gram: g, columns: UnsafeBufferPointer(rebasing: col[lo..<hi]),
                                              values: UnsafeBufferPointer(rebasing: val[lo..<hi]), alpha: alpha,
                                              steps: steps, f: f, scratch: sp)
                        } else {
                            do {
                                try exactSolve(x: x, y: y, gram: g, columns: UnsafeBufferPointer(rebasing: col[lo..<hi]),
                                               values: UnsafeBufferPointer(rebasing: val[lo..<hi]), alpha: alpha,
                                               f: f, scratch: sp)
                            } catch {
                                failed.set()
                            }
                        }
                    }
                }}}}}}
            }
        }
        if failed.isSet { throw AttuneMLError.invalidArgument("normal equations not positive definite; raise regularization") }
    }

    /// A few CG steps on `(YᵀY + λI + Σᵢ (cᵢ − 1) yᵢyᵢᵀ) x = Σᵢ cᵢ yᵢ`, starting from the current `x`.
    @inline(__always)
    static func conjugateGradient(
        x: UnsafeMutablePointer<Float>, y: UnsafePointer<Float>, gram: UnsafePointer<Float>,
        columns: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>, alpha: Float,
        steps: Int, f: Int, scratch: UnsafeMutablePointer<Float>
    ) {
        let count = columns.count
        let r = scratch
        let p = scratch + f
        let ap = scratch + 2 * f
        // r = b − A x
        MatrixKernels.symmetricMultiply(gram, x, into: r, n: f, scale: -1)
        // Items two at a time: independent dot products overlap, and r is read and written once.
        var k = 0
        while k + 1 < count {
            let yi = y + Int(columns[k]) * f
            let yj = y + Int(columns[k + 1]) * f
            let ei = alpha * values[k]  // c − 1
            let ej = alpha * values[k + 1]
            let (di, dj) = VectorKernels.dot2(yi, yj, x, count: f)
            VectorKernels.axpy2((1 + ei) - ei * di, yi, (1 + ej) - ej * dj, yj, r, count: f)
            k += 2
        }
        if k < count {
            let yi = y + Int(columns[k]) * f
            let extra = alpha * values[k]
            let t = (1 + extra) - extra * VectorKernels.dot(yi, x, count: f)
            VectorKernels.axpy(t, yi, r, count: f)
        }
        p.update(from: r, count: f)
        var rsOld = VectorKernels.dot(r, r, count: f)
        if rsOld < 1e-20 { return }
        for _ in 0..<steps {
            MatrixKernels.symmetricMultiply(gram, p, into: ap, n: f, scale: 1)
            var k = 0
            while k + 1 < count {
                let yi = y + Int(columns[k]) * f
                let yj = y + Int(columns[k + 1]) * f
                let (di, dj) = VectorKernels.dot2(yi, yj, p, count: f)
                VectorKernels.axpy2(alpha * values[k] * di, yi, alpha * values[k + 1] * dj, yj, ap, count: f)
                k += 2
            }
            if k < count {
                let yi = y + Int(columns[k]) * f
                let t = alpha * values[k] * VectorKernels.dot(yi, p, count: f)
                VectorKernels.axpy(t, yi, ap, count: f)
            }
            let a = rsOld / VectorKernels.dot(p, ap, count: f)
            VectorKernels.axpy(a, p, x, count: f)
            VectorKernels.axpy(-a, ap, r, count: f)
            let rsNew = VectorKernels.dot(r, r, count: f)
            if rsNew < 1e-20 { break }
            VectorKernels.xpby(r, rsNew / rsOld, p, count: f)
            rsOld = rsNew
        }
    }

    /// Solves the same system exactly by Cholesky (used by fold-in and by `conjugateGradientSteps == 0`).
    static func exactSolve(
        x: UnsafeMutablePointer<Float>, y: UnsafePointer<Float>, gram: UnsafePointer<Float>,
        columns: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>, alpha: Float,
        f: Int, scratch: UnsafeMutablePointer<Float>
    ) throws {
        let a = scratch
        let b = x
        a.update(from: gram, count: f * f)
        for j in 0..<f { b[j] = 0 }
        for k in 0..<columns.count {
            let yi = y + Int(columns[k]) * f
            let extra = alpha * values[k]
            VectorKernels.axpy(1 + extra, yi, b, count: f)
            if extra != 0 {
                // Upper triangle only: the factorisation reads the lower one, mirrored below.
                for r in 0..<f { VectorKernels.axpy(extra * yi[r], yi + r, a + r * f + r, count: f - r) }
            }
        }
        for r in 0..<f {
            for c in 0..<r { a[r * f + c] = a[c * f + r] }
        }
        try MatrixKernels.choleskySolve(a, b, n: f)
    }

    /// The vector of a user from their items, against the fixed item factors (no retraining).
    ///
    /// Used to serve a user whose history changed since training: the result is the exact
    /// least-squares solution of that user's row, as a training half-step would compute it.
    /// - Parameters:
    ///   - items: the user's items (any order; unknown indices ignored).
    ///   - values: counts per item, or `nil` for 1 each.
    /// - Complexity: O(n · f² + f³).
    package func foldIn(items: [Int32], values: [Float]? = nil) -> [Float] {
        let f = configuration.factors
        if itemCount == 0 { return [Float](repeating: 0, count: f) }
        var cols: [Int32] = []
        var vals: [Float] = []
        for (k, i) in items.enumerated() where i >= 0 && Int(i) < itemCount {
            cols.append(i)
            vals.append(values?[k] ?? 1)
        }
        var x = [Float](repeating: 0, count: f)
        var scratch = [Float](repeating: 0, count: f * f)
        let ok: Bool = itemFactors.values.withUnsafeBufferPointer { y in
            itemGram.values.withUnsafeBufferPointer { g in
                cols.withUnsafeBufferPointer { c in
                    vals.withUnsafeBufferPointer { v in
                        x.withUnsafeMutableBufferPointer { xp in
                            scratch.withUnsafeMutableBufferPointer { s in
                                (try? Self.exactSolve(
                                    x: xp.baseAddress!, y: y.baseAddress!, gram: g.baseAddress!,
                                    columns: c, values: v, alpha: configuration.alpha, f: f, scratch: s.baseAddress!)) != nil
                            }
                        }
                    }
                }
            }
        }
        return ok ? x : [Float](repeating: 0, count: f)
    }

    package func score(user: Int?, history: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
                       into scores: UnsafeMutableBufferPointer<Float>) {
        if let u = user, u >= 0, u < userCount {
            userFactors.values.withUnsafeBufferPointer { p in
                FactorScoring.score(userVector: p.baseAddress! + u * configuration.factors,
                                    itemFactors: itemFactors, itemBias: [], into: scores)
            }
        } else {
            let vector = foldIn(items: Array(history), values: Array(values))
            vector.withUnsafeBufferPointer {
                FactorScoring.score(userVector: $0.baseAddress!, itemFactors: itemFactors, itemBias: [], into: scores)
            }
        }
    }

    /// Blocked `X · Yᵀ` for every user of `seen` (row `u` = user `u` of training).
    /// A `seen` matrix of another shape (users added since training) goes through the per-user path,
    /// where unknown users are served from their history.
    package func recommendAll(seen: SparseMatrix, k: Int, threads: Int) -> [[Int32]] {
        FactorScoring.recommendAll(
            model: self, userFactors: userFactors, itemFactors: itemFactors, itemBias: [], seen: seen, k: k, threads: threads)
    }

    // MARK: Persistence

    private static let tag = "IALS"

    /// A compact little-endian blob; see ``BinaryWriter``.
    package func serialized() -> [UInt8] {
        var w = BinaryWriter(tag: Self.tag, version: 1)
        w.write(Int64(configuration.factors))
        w.write(configuration.regularization)
        w.write(configuration.alpha)
        w.write(Int64(configuration.iterations))
        w.write(configuration.seed)
        w.write(Int64(configuration.conjugateGradientSteps))
        w.write(userFactors)
        w.write(itemFactors)
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
            factors: Int(try r.read(Int64.self)), regularization: try r.readFloat(), alpha: try r.readFloat(),
            iterations: Int(try r.read(Int64.self)), seed: try r.read(UInt64.self),
            conjugateGradientSteps: Int(try r.read(Int64.self)))
        let users = try r.readDenseMatrix()
        let items = try r.readDenseMatrix()
        try r.expectEnd()
        do {
            try c.validate()
            try self.init(configuration: c, userFactors: users, itemFactors: items)
        } catch {
            throw AttuneMLError.corruptData("stored configuration does not match the factors")
        }
    }
}
