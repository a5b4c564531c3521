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
        package var method = Method.kmeans
        package init() {}
    }

    /// How users are grouped: k-means (any population), or agglomerative clustering with Ward
    /// linkage (exact, deterministic, for populations up to `wardLimit`).
    package enum Method: String, Sendable, CaseIterable {
        case kmeans
        case ward
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
        let counts = max(2, configuration.clusterCounts.lowerBound)...upper
        let fit = try configuration.method == .kmeans ? kmeans(points, counts) : ward(points, counts)
        let previous = try await store.segments(in: workspace).filter { $0.kind == .learned }
        let ids = try stableIDs(previous, features: features.names, standardizer: standardizer, centroids: fit.centroids)
        let rawCentroids = try standardizer.inverseTransform(fit.centroids)
        let reserved = Set(try await store.segments(in: workspace).filter { $0.kind == .rule }.map(\.name))
        var usedNames = reserved
        var segments: [(segment: Segment, members: [UserID])] = []
        for cluster in 0..<fit.centroids.rowCount {
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
        try await store.replaceLearnedSegments(segments, in: workspace, digest: UserDigest.of)
        return Result(
            segments: segments, users: n, scores: fit.scores)
    }

    /// Ward's dendrogram is O(n²) in time; past this many users k-means is the tool.
    package static let wardLimit = 20_000

    private struct Grouping {
        var labels: [Int32]
        var centroids: DenseMatrix
        var scores: [(clusterCount: Int, silhouette: Double)]
    }

    private func kmeans(_ points: DenseMatrix, _ counts: ClosedRange<Int>) throws -> Grouping {
        var kmeans = KMeans.Configuration()
        kmeans.seed = configuration.seed
        let selection = try KMeans.fitSelectingClusterCount(points: points, clusterCounts: counts, configuration: kmeans)
        return Grouping(
            labels: selection.best.labels, centroids: selection.best.model.centroids,
            scores: selection.scores.map { ($0.clusterCount, $0.silhouette) })
    }

    /// One dendrogram, cut at every k of the range; the cut with the best silhouette (on a sample
    /// of 2,000 users, as for k-means) wins.
    private func ward(_ points: DenseMatrix, _ counts: ClosedRange<Int>) throws -> Grouping {
        guard points.rowCount <= Self.wardLimit else {
            throw AttuneError.invalid("method", "Ward clustering takes at most \(Self.wardLimit) users; use k-means")
        }
        let tree = try WardClustering.fit(points: points, threads: 2)
        var best: (labels: [Int32], k: Int, silhouette: Double)?
        var scores: [(clusterCount: Int, silhouette: Double)] = []
        for k in counts {
            let labels = try tree.labels(clusterCount: k)
            let silhouette = try Silhouette.score(
                points: points, labels: labels, clusterCount: k, sampleSize: 2_000, seed: configuration.seed, threads: 2)
            scores.append((k, silhouette))
            if best == nil || silhouette > best!.silhouette { best = (labels, k, silhouette) }
        }
        guard let best else { throw AttuneError.invalid("clusters", "no cluster count to try") }
        // Centres are the standardised means of each cut cluster, as k-means' centroids are.
        let d = points.columnCount
        var sums = [Float](repeating: 0, count: best.k * d)
        var sizes = [Float](repeating: 0, count: best.k)
        for (row, label) in best.labels.enumerated() {
            sizes[Int(label)] += 1
            for j in 0..<d { sums[Int(label) * d + j] += points.values[row * d + j] }
        }
        for c in 0..<best.k where sizes[c] > 0 { for j in 0..<d { sums[c * d + j] /= sizes[c] } }
        return Grouping(labels: best.labels, centroids: try DenseMatrix(rowCount: best.k, columnCount: d, values: sums), scores: scores)
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
