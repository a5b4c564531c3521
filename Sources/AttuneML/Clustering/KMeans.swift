/// k-means clustering: k-means++ seeding, Lloyd iterations, several restarts, keep the best.
///
/// Minimises the inertia `Σᵢ ‖xᵢ − c_{label(i)}‖²` (Lloyd, "Least squares quantization in PCM",
/// IEEE Trans. Inf. Theory 1982). Each restart is seeded by greedy k-means++ (Arthur, Vassilvitskii,
/// "k-means++: The Advantages of Careful Seeding", SODA 2007), with `2 + ⌊ln k⌋` candidates per
/// step as scikit-learn does, and iterates until no label changes, the squared centroid movement
/// drops to `tolerance` times the mean feature variance, or `maxIterations` pass. The same
/// seed gives the same model whatever the thread count: points are processed in fixed blocks whose
/// partial sums are added in block order.
package struct KMeans: Sendable, Equatable {
    /// Hyper-parameters, saved with the model.
    package struct Configuration: Sendable, Equatable {
        /// k, the number of clusters.
        package var clusterCount: Int
        /// Independently seeded runs; the one with the lowest inertia is kept (scikit-learn's `n_init`).
        package var restarts: Int
        /// Upper bound on Lloyd iterations per run.
        package var maxIterations: Int
        /// Relative tolerance: a run stops when the summed squared centroid shift is at most this
        /// times the mean per-feature variance of the data (scikit-learn's `tol`).
        package var tolerance: Float
        /// Seeds every restart.
        package var seed: UInt64

        package init(
            clusterCount: Int = 8, restarts: Int = 10, maxIterations: Int = 300, tolerance: Float = 1e-4,
            seed: UInt64 = 42
        ) {
            self.clusterCount = clusterCount
            self.restarts = restarts
            self.maxIterations = maxIterations
            self.tolerance = tolerance
            self.seed = seed
        }

        /// - Throws: `AttuneMLError.invalidArgument` naming the first bad field.
        package func validate() throws {
            guard clusterCount >= 1 else { throw AttuneMLError.invalidArgument("clusterCount must be positive") }
            guard restarts >= 1 else { throw AttuneMLError.invalidArgument("restarts must be positive") }
            guard maxIterations >= 1 else { throw AttuneMLError.invalidArgument("maxIterations must be positive") }
            guard tolerance >= 0, tolerance.isFinite else {
                throw AttuneMLError.invalidArgument("tolerance must be finite and non-negative")
            }
        }
    }

    /// A trained model with the labels of the points it was trained on.
    package struct Fit: Sendable, Equatable {
        package let model: KMeans
        /// The cluster of each training point, in `0..<clusterCount`.
        package let labels: [Int32]
    }

    package let configuration: Configuration
    /// `clusterCount x dimension`, row-major.
    package let centroids: DenseMatrix
    /// Sum of squared distances of the training points to their centroids (in `Double`).
    package let inertia: Double
    /// Lloyd iterations of the kept run.
    package let iterations: Int

    /// k.
    package var clusterCount: Int { centroids.rowCount }
    /// Features per point.
    package var dimension: Int { centroids.columnCount }

    /// Assembles a model from known centroids (e.g. a saved one).
    /// - Throws: `AttuneMLError.dimensionMismatch` when the centroid count is not `clusterCount`;
    ///   `invalidArgument` for a non-finite centroid.
    package init(configuration: Configuration, centroids: DenseMatrix, inertia: Double, iterations: Int) throws {
        guard centroids.rowCount == configuration.clusterCount, centroids.columnCount > 0 else {
            throw AttuneMLError.dimensionMismatch(
                "\(centroids.rowCount)x\(centroids.columnCount) centroids for k=\(configuration.clusterCount)")
        }
        if ClusteringInput.firstNonFiniteRow(centroids) != nil {
            throw AttuneMLError.invalidArgument("non-finite centroid")
        }
        self.configuration = configuration
        self.centroids = centroids
        self.inertia = inertia
        self.iterations = iterations
    }

    /// Clusters the rows of `points`.
    ///
    /// - Parameters:
    ///   - points: one row per point; rows must be finite.
    ///   - configuration: hyper-parameters.
    ///   - threads: workers over contiguous blocks of points; the result does not depend on it.
    /// - Throws: `AttuneMLError.invalidArgument` on a bad configuration, an empty matrix, a NaN or
    ///   infinite value, fewer points than clusters, or fewer distinct points than clusters.
    /// - Complexity: O(restarts · (k · trials + iterations · k) · n · d) time with `trials = 2 + ⌊ln k⌋`,
    ///   O(n + k · d · blocks) extra memory.
    package static func fit(points: DenseMatrix, configuration: Configuration, threads: Int = 1) throws -> Fit {
        try configuration.validate()
        try ClusteringInput.validate(points, minimumRows: configuration.clusterCount)
        var workspace = LloydWorkspace(points: points, clusterCount: configuration.clusterCount, threads: threads)
        // Tolerance is relative to the data's spread, as scikit-learn's `_tolerance`.
        let absoluteTolerance = workspace.meanVariance(points: points) * Double(configuration.tolerance)
        let master = SeededGenerator(seed: configuration.seed)
        var best: (centroids: [Float], labels: [Int32], inertia: Double, iterations: Int)?
        for restart in 0..<configuration.restarts {
            var generator = master.split(stream: restart)
            let seeds = try seedPlusPlus(points: points, workspace: &workspace, generator: &generator)
            let run = workspace.lloyd(
                points: points, initial: seeds, maxIterations: configuration.maxIterations,
                tolerance: absoluteTolerance)
            // Strictly lower: ties keep the earlier restart, so the result is reproducible.
            if best == nil || run.inertia < best!.inertia {
                best = (run.centroids, workspace.labels, run.inertia, run.iterations)
            }
        }
        let kept = best!
        let model = try KMeans(
            configuration: configuration,
            centroids: DenseMatrix(
                rowCount: configuration.clusterCount, columnCount: points.columnCount, values: kept.centroids),
            inertia: kept.inertia, iterations: kept.iterations)
        return Fit(model: model, labels: kept.labels)
    }

    /// The nearest centroid of each row of `points` (ties to the lower index).
    ///
    /// - Parameter threads: workers over contiguous row ranges.
    /// - Throws: `AttuneMLError.dimensionMismatch` when the width differs from the model's;
    ///   `invalidArgument` for a NaN or infinite value.
    /// - Complexity: O(n · k · d).
    package func predict(points: DenseMatrix, threads: Int = 1) throws -> [Int32] {
        guard points.columnCount == dimension else {
            throw AttuneMLError.dimensionMismatch("\(points.columnCount) features, model has \(dimension)")
        }
        if let row = ClusteringInput.firstNonFiniteRow(points) {
            throw AttuneMLError.invalidArgument("non-finite value in row \(row) of points")
        }
        if points.rowCount == 0 { return [] }
        let panel = CentroidPanel(centroids: centroids.values, count: clusterCount, dimension: dimension)
        var labels = [Int32](repeating: 0, count: points.rowCount)
        let d = dimension
        let blocks = panel.blockCount
        points.values.withUnsafeBufferPointer { x in
            labels.withUnsafeMutableBufferPointer { out in
                panel.withStorage { w, nrm in
                    let xP = SharedPointer(x.baseAddress!)
                    let outP = SharedMutablePointer(out.baseAddress!)
                    let wP = SharedPointer(w)
                    let nP = SharedPointer(nrm)
                    ParallelRange.forEachChunk(count: points.rowCount, threads: threads) { _, range in
                        for i in range {
                            let r = CentroidPanel.nearest(
                                xP.base + i * d, dimension: d, blockCount: blocks, weights: wP.base, norms: nP.base)
                            outP.base[i] = Int32(truncatingIfNeeded: r.index)
                        }
                    }
                }
            }
        }
        return labels
    }

    /// The nearest centroid of one point.
    /// - Throws: as ``predict(points:threads:)``.
    package func predict(point: [Float]) throws -> Int {
        let m = try DenseMatrix(rowCount: 1, columnCount: point.count, values: point)
        return Int(try predict(points: m)[0])
    }
}
