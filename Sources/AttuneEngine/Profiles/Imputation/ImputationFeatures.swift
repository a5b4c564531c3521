import AttuneML
import Foundation

/// Behaviour features per user for ``ProfileImputation``: which users resemble each other.
package enum ImputationFeatures {
    package enum Kind: String, Sendable, CaseIterable {
        /// The user's vector from implicit ALS: dense, low-dimensional, and it smooths over the
        /// items two users did not both touch, so users with few items still find neighbours.
        case factors
        /// The user's items, weighted by inverse document frequency (rare items say more about a
        /// person than blockbusters), as a dense row per user; only for catalogues small enough to
        /// hold users × items floats.
        case items
    }

    /// Width of the fitted user vectors.
    package static let factorCount = 32
    /// `items` is refused above this many users × items.
    package static let maxDenseCells = 50_000_000

    /// One row per user of `log` (in its index order).
    /// - Throws: `AttuneMLError` when the log is too large for `items`, or ALS fails.
    package static func make(_ kind: Kind, from log: InteractionLog, seed: UInt64, threads: Int) throws -> DenseMatrix {
        switch kind {
        case .factors: return try factors(from: log, seed: seed, threads: threads)
        case .items: return try items(from: log)
        }
    }

    static func factors(from log: InteractionLog, seed: UInt64, threads: Int) throws -> DenseMatrix {
        // Presence, not summed weight: a user who rated 5 items five times each is not more alike.
        let matrix = try log.matrix().mapValues { _ in 1 }
        let configuration = ImplicitALS.Configuration(factors: factorCount, regularization: 0.1, alpha: 5, iterations: 10, seed: seed)
        return try ImplicitALS.fit(interactions: matrix, configuration: configuration, threads: threads).userFactors
    }

    static func items(from log: InteractionLog) throws -> DenseMatrix {
        let users = log.users.count
        let items = log.items.count
        guard users * items <= maxDenseCells else {
            throw AttuneMLError.invalidArgument("\(users) users × \(items) items is too large for item features; use factors")
        }
        let matrix = try log.matrix()
        var documentFrequency = [Int](repeating: 0, count: items)
        for item in matrix.columnIndices { documentFrequency[Int(item)] += 1 }
        let idf = documentFrequency.map { $0 > 0 ? Float(Foundation.log(Double(users) / Double($0))) : 0 }
        var values = [Float](repeating: 0, count: users * items)
        for user in 0..<users {
            for item in matrix.columns(ofRow: user) { values[user * items + Int(item)] = idf[Int(item)] }
        }
        return try DenseMatrix(rowCount: users, columnCount: items, values: values)
    }
}
