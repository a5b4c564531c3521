extension KMeans {
    /// The silhouette of one candidate cluster count.
    package struct ClusterCountScore: Sendable, Equatable {
        package let clusterCount: Int
        package let silhouette: Double
        package let inertia: Double
    }

    /// The fit with the best silhouette among several cluster counts, and every candidate's score.
    package struct ClusterCountSelection: Sendable, Equatable {
        package let best: Fit
        /// One entry per candidate, in increasing cluster count.
        package let scores: [ClusterCountScore]
    }

    /// Fits k-means for every `k` in `clusterCounts` and keeps the one with the highest mean
    /// silhouette (Rousseeuw 1987) on a seeded sample of the points.
    ///
    /// Every candidate is scored on the same sample, so the comparison is paired; ties go to the
    /// smaller `k`, the simpler segmentation.
    ///
    /// - Parameters:
    ///   - clusterCounts: candidates, at least 2 (the silhouette is undefined for one cluster).
    ///   - configuration: everything but `clusterCount`, which is overridden per candidate; its
    ///     `seed` also picks the silhouette sample.
    ///   - sampleSize: points scored per candidate.
    /// - Throws: `AttuneMLError.invalidArgument` for a range below 2 or above the point count, and
    ///   anything ``fit(points:configuration:threads:)`` or ``Silhouette`` throws.
    /// - Complexity: O(Σₖ fit(k) + |range| · m² · d) with `m = min(n, sampleSize)`.
    package static func fitSelectingClusterCount(
        points: DenseMatrix, clusterCounts: ClosedRange<Int>, configuration: Configuration = Configuration(),
        sampleSize: Int = 2000, threads: Int = 1
    ) throws -> ClusterCountSelection {
        guard clusterCounts.lowerBound >= 2 else {
            throw AttuneMLError.invalidArgument("cluster counts must start at 2 or more")
        }
        guard sampleSize >= 3 else { throw AttuneMLError.invalidArgument("sampleSize must be at least 3") }
        try ClusteringInput.validate(points, minimumRows: clusterCounts.upperBound)
        var best: (fit: Fit, silhouette: Double)?
        var scores: [ClusterCountScore] = []
        for k in clusterCounts {
            var config = configuration
            config.clusterCount = k
            let fit = try fit(points: points, configuration: config, threads: threads)
            let s = try Silhouette.score(
                points: points, labels: fit.labels, clusterCount: k, sampleSize: sampleSize,
                seed: configuration.seed, threads: threads)
            scores.append(ClusterCountScore(clusterCount: k, silhouette: s, inertia: fit.model.inertia))
            if best == nil || s > best!.silhouette { best = (fit, s) }
        }
        return ClusterCountSelection(best: best!.fit, scores: scores)
    }
}
