import AttuneEngine
import AttuneML
import Foundation

/// What `attune bench als` and `attune bench bpr` share: the same training matrix as the peer
/// scripts build, timed runs reported as a median, and the top-10 batch that implicit's
/// `recommend(userids, user_items, N=10, filter_already_liked_items=True)` does.
struct FactorBench {
    let train: SparseMatrix
    /// Per user, the held-out items; empty when training on every row.
    let heldOut: [[Int32]]

    /// Loads `path` and keeps either every row (value 1) or the protocol's training split (per
    /// user, all but the last 10 interactions in (timestamp, item) order).
    init(path: String, allRows: Bool) throws {
        let start = ContinuousClock.now
        if allRows {
            let counts = try IntegerPairReader.matrix(path: path) ?? OfflineEvaluation.readInteractions(path: path).matrix()
            train = counts.mapValues { _ in 1 }
            heldOut = []
        } else {
            let log = try OfflineEvaluation.readInteractions(path: path)
            let split = HoldoutSplit(sequences: try log.chronologicalSequences(), holdout: 10)
            train = try split.trainingMatrix(itemCount: log.items.count)
            heldOut = split.tail
        }
        print(String(format: "loaded %d users x %d items, %d interactions in %.1f s",
                     train.rowCount, train.columnCount, train.nonZeroCount, DemoCommand.seconds(ContinuousClock.now - start)))
    }

    /// Runs `body` `repeats` times and prints the runs and their median under `label`.
    /// - Returns: the last run's result.
    @discardableResult
    static func timed<T>(_ label: String, repeats: Int, _ body: () throws -> T) rethrows -> T {
        var times: [Double] = []
        var result: T?
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            result = try body()
            times.append(DemoCommand.seconds(ContinuousClock.now - start))
        }
        print("\(label): runs \(times.map { String(format: "%.3f", $0) }) median "
            + String(format: "%.3f s", median(times)))
        return result!
    }

    /// Times top-10 unseen items for every user and, on a split, prints NDCG@10 on the held-out part
    /// so that a speed change can be checked for a quality change in the same run.
    func recommendAll(_ model: some Recommender, label: String, threads: Int, repeats: Int) {
        let lists = Self.timed("\(label) recommend-all top-10 threads=\(threads)", repeats: repeats) {
            model.recommendAll(seen: train, k: 10, threads: threads)
        }
        guard !heldOut.isEmpty else { return }
        let report = RankingMetrics.evaluate(
            recommendations: lists, truth: heldOut, users: Array(heldOut.indices), catalogSize: train.columnCount, k: 10)
        print(String(format: "\(label) test NDCG@10 %.4f (P@10 %.4f, %d users)", report.ndcg, report.precision, report.userCount))
    }

    /// The middle value; the mean of the two middle values for an even count, as Python's
    /// `statistics.median`, so both sides of a side-by-side report the same statistic.
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
