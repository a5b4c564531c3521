import RealModule

/// Recommends the most popular items, optionally weighting recent interactions more.
///
/// Every user gets the same ranking minus their own items; ties go to the lower item index.
package struct PopularityModel: Recommender, Equatable {
    /// Hyper-parameters, saved with the model.
    package struct Configuration: Sendable, Equatable {
        /// Age (in timestamp units) at which an interaction counts half; `nil` counts every
        /// interaction as 1.
        package var halfLife: Double?
        package init(halfLife: Double? = nil) { self.halfLife = halfLife }
    }

    package let configuration: Configuration
    /// One popularity score per item.
    package let itemScores: [Float]

    package var itemCount: Int { itemScores.count }

    /// Wraps precomputed scores.
    package init(itemScores: [Float], configuration: Configuration = .init()) {
        self.itemScores = itemScores
        self.configuration = configuration
    }

    /// Global popularity: the number of users who interacted with each item.
    /// - Complexity: O(nnz).
    package static func fit(interactions: SparseMatrix) -> PopularityModel {
        var counts = [Float](repeating: 0, count: interactions.columnCount)
        for c in interactions.columnIndices { counts[Int(c)] += 1 }
        return PopularityModel(itemScores: counts)
    }

    /// Time-decayed popularity: each interaction adds `0.5^((now − t) / halfLife)`.
    ///
    /// - Parameters:
    ///   - items, timestamps: one entry per interaction.
    ///   - itemCount: the catalogue size.
    ///   - now: the reference time (usually the latest timestamp); later events count as age 0.
    ///   - configuration: `halfLife` must be positive; `nil` gives plain counts.
    /// - Throws: `AttuneMLError.invalidArgument` on a non-positive half-life,
    ///   `AttuneMLError.dimensionMismatch` / `indexOutOfRange` on bad arrays.
    /// - Complexity: O(n).
    package static func fit(
        items: [Int32], timestamps: [Int64], itemCount: Int, now: Int64, configuration: Configuration
    ) throws -> PopularityModel {
        guard items.count == timestamps.count else {
            throw AttuneMLError.dimensionMismatch("\(items.count) items, \(timestamps.count) timestamps")
        }
        if let h = configuration.halfLife, !(h > 0) {
            throw AttuneMLError.invalidArgument("half-life must be positive")
        }
        var scores = [Double](repeating: 0, count: itemCount)
        for k in items.indices {
            let i = items[k]
            guard i >= 0, Int(i) < itemCount else { throw AttuneMLError.indexOutOfRange("item \(i) of \(itemCount)") }
            if let h = configuration.halfLife {
                let age = Double(Swift.max(0, now - timestamps[k]))
                scores[Int(i)] += Double.exp2(-age / h)
            } else {
                scores[Int(i)] += 1
            }
        }
        return PopularityModel(itemScores: scores.map { Float($0) }, configuration: configuration)
    }

    package func score(user: Int?, history: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
                       into scores: UnsafeMutableBufferPointer<Float>) {
        _ = scores.update(fromContentsOf: itemScores)
    }

    // MARK: Persistence

    private static let tag = "POPU"

    /// A compact little-endian blob; see ``BinaryWriter``.
    package func serialized() -> [UInt8] {
        var w = BinaryWriter(tag: Self.tag, version: 1)
        w.write(configuration.halfLife ?? 0)
        w.write(itemScores)
        return w.bytes
    }

    /// - Throws: `AttuneMLError.corruptData` / `unsupportedVersion` on a bad blob.
    package init(serialized bytes: [UInt8]) throws {
        var r = try BinaryReader(bytes, tag: Self.tag, maxVersion: 1)
        let h = try r.readDouble()
        let scores = try r.readFloats()
        try r.expectEnd()
        self.init(itemScores: scores, configuration: Configuration(halfLife: h > 0 ? h : nil))
    }
}
