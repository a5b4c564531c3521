/// k-nearest-neighbour imputation: a missing attribute of a row is estimated from the rows most
/// similar to it (cosine similarity of their feature vectors) that do know the attribute — a
/// similarity-weighted mean for numbers, a similarity-weighted vote for labels.
///
/// Troyanskaya et al., "Missing value estimation methods for DNA microarrays", Bioinformatics 17
/// (2001) introduced kNN imputation; here the neighbours are found in behaviour space (factor or
/// interaction vectors) rather than over the other attributes, so a user with no declared field at
/// all still gets an estimate.
///
/// Only neighbours with a positive similarity vote: a row whose behaviour resembles no donor gets
/// no estimate rather than the population average presented as personal.
package struct KNNImputer: Sendable {
    package let k: Int
    package let dimension: Int
    /// Every row's features scaled to unit length (all-zero rows stay zero), row-major.
    let unit: [Float]
    package let rowCount: Int

    /// - Parameters:
    ///   - features: one row per entity (user), any dimension ≥ 1.
    ///   - k: neighbours per estimate, ≥ 1.
    /// - Throws: `AttuneMLError.invalidArgument` for k ≤ 0 or an empty feature dimension, and for
    ///   non-finite features.
    package init(features: DenseMatrix, k: Int) throws(AttuneMLError) {
        guard k >= 1 else { throw .invalidArgument("k must be at least 1, got \(k)") }
        guard features.columnCount >= 1 else { throw .invalidArgument("features need at least one column") }
        guard features.values.allSatisfy(\.isFinite) else { throw .invalidArgument("features must be finite") }
        self.k = k
        dimension = features.columnCount
        rowCount = features.rowCount
        var unit = features.values
        let d = dimension
        unit.withUnsafeMutableBufferPointer { buffer in
            for r in 0..<features.rowCount {
                let row = buffer.baseAddress! + r * d
                let norm = VectorKernels.norm(UnsafePointer(row), count: d)
                guard norm > 0 else { continue }
                let scale = 1 / norm
                for j in 0..<d { row[j] *= scale }
            }
        }
        self.unit = unit
    }

    /// Up to `k` neighbours per query row, found among `donors` (row indices, any order),
    /// excluding the query row itself, keeping only positive similarities, best first.
    ///
    /// - Parameters:
    ///   - queries: row indices to estimate for.
    ///   - donors: row indices that know the attribute.
    ///   - threads: queries are split across this many threads.
    /// - Complexity: O(|queries| × |donors| × dimension) (brute force: exact, and at profile-store
    ///   sizes one pass of dot products is cheaper than building an index per attribute).
    package func neighbours(of queries: [Int32], among donors: [Int32], threads: Int = 1) throws(AttuneMLError)
        -> Neighbourhoods
    {
        for row in queries + donors where row < 0 || Int(row) >= rowCount {
            throw .indexOutOfRange("row \(row) outside 0..<\(rowCount)")
        }
        let sortedDonors = donors.sorted()
        let d = dimension
        // The donors' vectors gathered contiguously so each query streams through one block.
        var block = [Float](repeating: 0, count: sortedDonors.count * d)
        unit.withUnsafeBufferPointer { source in
            block.withUnsafeMutableBufferPointer { target in
                for (position, row) in sortedDonors.enumerated() {
                    (target.baseAddress! + position * d).update(from: source.baseAddress! + Int(row) * d, count: d)
                }
            }
        }
        let k = min(self.k, sortedDonors.count)
        var indices = [Int32](repeating: -1, count: queries.count * k)
        var similarities = [Float](repeating: 0, count: queries.count * k)
        var counts = [Int32](repeating: 0, count: queries.count)
        guard k > 0, !queries.isEmpty else {
            return Neighbourhoods(k: k, rows: indices, similarities: similarities, counts: counts)
        }
        let donorCount = sortedDonors.count
        // Every buffer below is non-empty (k > 0 means donors exist; queries are non-empty).
        unit.withUnsafeBufferPointer { unitBuffer in
            block.withUnsafeBufferPointer { blockBuffer in
                sortedDonors.withUnsafeBufferPointer { donorBuffer in
                    queries.withUnsafeBufferPointer { queryBuffer in
                        indices.withUnsafeMutableBufferPointer { indexOut in
                            similarities.withUnsafeMutableBufferPointer { similarityOut in
                                counts.withUnsafeMutableBufferPointer { countOut in
                                    let unitP = SharedPointer(unitBuffer.baseAddress!)
                                    let blockP = SharedPointer(blockBuffer.baseAddress!)
                                    let donorP = SharedPointer(donorBuffer.baseAddress!)
                                    let queryP = SharedPointer(queryBuffer.baseAddress!)
                                    let indexP = SharedMutablePointer(indexOut.baseAddress!)
                                    let simP = SharedMutablePointer(similarityOut.baseAddress!)
                                    let countP = SharedMutablePointer(countOut.baseAddress!)
                                    ParallelRange.forEachChunk(count: queries.count, threads: threads) { _, range in
                                        Self.search(
                                            range, queries: queryP, unit: unitP, block: blockP, donors: donorP,
                                            donorCount: donorCount, dimension: d, k: k,
                                            out: (indexP, simP, countP))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Neighbourhoods(k: k, rows: indices, similarities: similarities, counts: counts)
    }

    /// One worker's share of the queries; owns its scratch scores and selector.
    private static func search(
        _ range: Range<Int>, queries: SharedPointer<Int32>, unit: SharedPointer<Float>, block: SharedPointer<Float>,
        donors: SharedPointer<Int32>, donorCount: Int, dimension d: Int, k: Int,
        out: (rows: SharedMutablePointer<Int32>, similarities: SharedMutablePointer<Float>, counts: SharedMutablePointer<Int32>)
    ) {
        var scores = [Float](repeating: 0, count: donorCount)
        var selector = TopKSelector(k: k)
        var chosen = [Int32](repeating: 0, count: k)
        var excluded: [Int32] = [0]
        for q in range {
            let row = queries.base[q]
            let query = unit.base + Int(row) * d
            scores.withUnsafeMutableBufferPointer { s in
                for p in 0..<donorCount { s[p] = VectorKernels.dot(query, block.base + p * d, count: d) }
            }
            // A query that is itself a donor (leave-one-out evaluation) must not find itself.
            let own = position(of: row, in: donors.base, count: donorCount)
            excluded[0] = Int32(own ?? 0)
            let found = scores.withUnsafeBufferPointer { s in
                excluded.withUnsafeBufferPointer { e in
                    chosen.withUnsafeMutableBufferPointer { o in
                        selector.select(scores: s, excluding: own == nil ? UnsafeBufferPointer(rebasing: e[0..<0]) : e, into: o)
                    }
                }
            }
            var kept = 0
            for j in 0..<found {
                let similarity = scores[Int(chosen[j])]
                guard similarity > 0 else { break }
                out.rows.base[q * k + kept] = donors.base[Int(chosen[j])]
                out.similarities.base[q * k + kept] = similarity
                kept += 1
            }
            out.counts.base[q] = Int32(kept)
        }
    }

    static func position(of row: Int32, in sorted: UnsafePointer<Int32>, count: Int) -> Int? {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < row { low = mid + 1 } else { high = mid }
        }
        return low < count && sorted[low] == row ? low : nil
    }
}

/// The neighbours of each query, flat: query `q` owns slots `q*k ..< q*k + counts[q]`.
package struct Neighbourhoods: Sendable, Equatable {
    package let k: Int
    /// Row indices of the neighbours, best first.
    package let rows: [Int32]
    package let similarities: [Float]
    package let counts: [Int32]

    package var queryCount: Int { counts.count }

    /// The neighbours of query `q`, best first.
    package func neighbours(of q: Int) -> [(row: Int32, similarity: Float)] {
        (0..<Int(counts[q])).map { (rows[q * k + $0], similarities[q * k + $0]) }
    }
}
