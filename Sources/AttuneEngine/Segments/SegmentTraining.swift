import AttuneCore
import AttuneML
import AttuneStore

/// Learned segments: k-means with the number of clusters chosen by silhouette over standardised
/// profile features, each cluster explained by a depth-3 decision tree and named by its most
/// distinctive features. Retraining keeps ids: new clusters are matched to the previous ones by
/// their centres (Hungarian matching), so `learned_3` stays the same group of people.
package struct SegmentTraining: Sendable {
    package struct Configuration: Sendable {
        package var clusterCounts: ClosedRange<Int> = 2...8
        package var seed: UInt64 = 42
        package var treeDepth = 3
        package init() {}
    }

    package struct Result: Sendable {
        package var segments: [(segment: Segment, members: [UserID])]
        package var users: Int
        /// Silhouette of each candidate k.
        package var scores: [(clusterCount: Int, silhouette: Double)]
    }

    let store: any SegmentStore & ProfileStore & EventStore & CatalogStore
    let clock: any WallClock
    let configuration: Configuration

    package init(store: any SegmentStore & ProfileStore & EventStore & CatalogStore, clock: any WallClock, configuration: Configuration = Configuration()) {
        self.store = store
        self.clock = clock
        self.configuration = configuration
    }

    /// Trains, stores the learned segments (replacing the previous ones) and returns them.
    /// - Throws: `AttuneError` invalid value when there are too few users to cluster; ML errors.
    package func run(workspace: WorkspaceID) async throws -> Result {
        let now = clock.now()
        let features = try await SegmentFeatures.load(from: store, workspace: workspace, now: now)
        let n = features.users.count
        let upper = min(configuration.clusterCounts.upperBound, n - 1)
        guard n >= 3, upper >= max(2, configuration.clusterCounts.lowerBound) else {
            throw AttuneError.invalid("users", "learned segments need more users with events than clusters (\(n) users)")
        }
        let d = features.names.count
        let raw = try DenseMatrix(rowCount: n, columnCount: d, values: features.values)
        let standardizer = try Standardizer.fit(points: raw)
        let points = try standardizer.transform(raw)
        var kmeans = KMeans.Configuration()
        kmeans.seed = configuration.seed
        let selection = try KMeans.fitSelectingClusterCount(
            points: points, clusterCounts: max(2, configuration.clusterCounts.lowerBound)...upper, configuration: kmeans)
        let fit = selection.best
        let previous = try await store.segments(in: workspace).filter { $0.kind == .learned }
        let ids = try stableIDs(previous, features: features.names, standardizer: standardizer, centroids: fit.model.centroids)
        let rawCentroids = try standardizer.inverseTransform(fit.model.centroids)
        let reserved = Set(try await store.segments(in: workspace).filter { $0.kind == .rule }.map(\.name))
        var usedNames = reserved
        var segments: [(segment: Segment, members: [UserID])] = []
        for cluster in 0..<fit.model.clusterCount {
            let members = zip(features.users, fit.labels).filter { Int($0.1) == cluster }.map(\.0)
            guard !members.isEmpty else { continue }
            let explanation = try ClusterExplanation.explain(
                cluster: cluster, labels: fit.labels, points: raw, featureNames: features.names,
                configuration: DecisionTree.Configuration(maxDepth: configuration.treeDepth))
            let id = Int(ids[cluster])
            var name = try ClusterNaming.name(cluster: cluster, labels: fit.labels, points: raw, featureNames: features.names)
            if usedNames.contains(name) { name += " (\(id))" }
            usedNames.insert(name)
            let segmentID = SegmentID.learned(id)
            let centroid = (0..<d).map { Double(rawCentroids.values[cluster * d + $0]) }
            let created = previous.first { $0.id == segmentID }?.createdAt ?? now
            let segment = Segment(
                id: segmentID, name: name, kind: .learned,
                explanation: SegmentExplanation(
                    rules: explanation.description, fidelity: explanation.fidelity, cluster: id,
                    features: features.names, centroid: centroid),
                createdAt: created, updatedAt: now)
            segments.append((segment, members.sorted()))
        }
        try await store.replaceLearnedSegments(segments, in: workspace)
        return Result(
            segments: segments, users: n, scores: selection.scores.map { ($0.clusterCount, $0.silhouette) })
    }

    /// The previous clusters' centres (stored in raw units) are standardised like the new data and
    /// matched to the new centres; without comparable previous ones, ids continue after the largest.
    private func stableIDs(
        _ previous: [Segment], features: [String], standardizer: Standardizer, centroids: DenseMatrix
    ) throws -> [Int32] {
        let comparable = previous.compactMap(\.explanation).filter { $0.features == features && $0.centroid.count == features.count }
        let firstFresh = Int32((previous.compactMap(\.explanation).map(\.cluster).max() ?? -1) + 1)
        guard !comparable.isEmpty, comparable.count == previous.count else {
            return (0..<centroids.rowCount).map { firstFresh + Int32($0) }
        }
        let old = try DenseMatrix(
            rowCount: comparable.count, columnCount: features.count,
            values: comparable.flatMap { $0.centroid.map(Float.init) })
        return try StableClusterIDs.assign(
            previousCentroids: try standardizer.transform(old), previousIDs: comparable.map { Int32($0.cluster) },
            newCentroids: centroids)
    }
}
