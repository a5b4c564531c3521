import RealModule

/// Item-to-item nearest neighbours over the user–item matrix.
///
/// Similarity is an asymmetric cosine with shrinkage,
/// `sim(i, j) = (xᵢ · xⱼ) / (‖xᵢ‖^(2a) ‖xⱼ‖^(2(1−a)) + shrinkage)`, over the item columns `xᵢ` of the
/// interaction matrix; `a = 0.5` is plain cosine (Aiolli, "Efficient top-N recommendation for very
/// large scale binary rated datasets", RecSys 2013). Before that, each interaction of user `u` is
/// divided by `|u|^β`, so very active users, whose items co-occur with everything, weigh less (the
/// inverse-user-frequency idea of Breese, Heckerman, Kadie, UAI 1998). Each item keeps its
/// `neighbors` most similar items.
/// A user's score for item `j` is `Σ_{i ∈ history} value(i) · sim(i, j)` over the kept lists
/// (Deshpande & Karypis, "Item-based top-N recommendation algorithms", ACM TOIS 2004; shrinkage
/// as in Koren, "Factorization meets the neighborhood", KDD 2008).
package struct ItemKNN: Recommender, Equatable {
    /// Hyper-parameters, saved with the model.
    package struct Configuration: Sendable, Equatable {
        /// Neighbours kept per item.
        package var neighbors: Int
        /// Added to the cosine denominator; damps similarities backed by few co-occurrences.
        package var shrinkage: Float
        /// `a` in the asymmetric cosine; 0.5 is cosine, larger values favour popular neighbours less.
        package var asymmetry: Float
        /// β: each interaction is divided by the user's interaction count to this power (0 = off).
        package var userWeightExponent: Float
        package init(neighbors: Int = 100, shrinkage: Float = 0, asymmetry: Float = 0.5, userWeightExponent: Float = 0) {
            self.neighbors = neighbors
            self.shrinkage = shrinkage
            self.asymmetry = asymmetry
            self.userWeightExponent = userWeightExponent
        }
    }

    package let configuration: Configuration
    /// Row `i` holds item `i`'s neighbours (ascending index) and their similarities.
    package let similarities: SparseMatrix

    package var itemCount: Int { similarities.rowCount }

    package init(configuration: Configuration, similarities: SparseMatrix) {
        self.configuration = configuration
        self.similarities = similarities
    }

    /// Computes the neighbour lists.
    ///
    /// - Parameters:
    ///   - interactions: users x items; values weight the co-occurrences (1 for implicit data).
    ///   - configuration: `neighbors` > 0, `shrinkage` >= 0.
    ///   - threads: workers over contiguous item ranges.
    /// - Throws: `AttuneMLError.invalidArgument` on a bad configuration or a negative or non-finite value.
    /// - Complexity: O(Σ_u d_u² + items · c log c) time, with `d_u` the length of user `u`'s row and
    ///   `c` the number of items co-occurring with an item; O(items · neighbors) memory for the result
    ///   plus one dense accumulator of `items` floats per worker.
    package static func fit(interactions: SparseMatrix, configuration: Configuration, threads: Int = 1) throws -> ItemKNN {
        guard interactions.hasNonNegativeFiniteValues else {
            throw AttuneMLError.invalidArgument("interaction values must be finite and non-negative")
        }
        guard configuration.neighbors > 0 else { throw AttuneMLError.invalidArgument("neighbors must be positive") }
        guard configuration.shrinkage >= 0, configuration.shrinkage.isFinite else {
            throw AttuneMLError.invalidArgument("shrinkage must be non-negative")
        }
        guard configuration.asymmetry >= 0, configuration.asymmetry <= 1 else {
            throw AttuneMLError.invalidArgument("asymmetry must be in [0, 1]")
        }
        guard configuration.userWeightExponent >= 0, configuration.userWeightExponent.isFinite else {
            throw AttuneMLError.invalidArgument("userWeightExponent must be non-negative")
        }
        let interactions = configuration.userWeightExponent == 0 ? interactions : weightedByUserActivity(
            interactions, exponent: configuration.userWeightExponent)
        let itemCount = interactions.columnCount
        let k = configuration.neighbors
        if itemCount == 0 {
            return ItemKNN(configuration: configuration, similarities: try SparseMatrix(rowCount: 0, columnCount: 0, rows: [], columns: []))
        }
        let shrink = configuration.shrinkage
        let itemUsers = interactions.transposed()
        // Per item, its squared norm raised to `a` (as the list owner) and to `1 − a` (as a neighbour).
        let a = configuration.asymmetry
        var ownerNorms = [Float](repeating: 0, count: itemCount)
        var neighborNorms = [Float](repeating: 0, count: itemCount)
        for i in 0..<itemCount {
            var s: Float = 0
            for v in itemUsers.values(ofRow: i) { s += v * v }
            ownerNorms[i] = a == 0.5 ? s.squareRoot() : Float.pow(s, a)
            neighborNorms[i] = a == 0.5 ? s.squareRoot() : Float.pow(s, 1 - a)
        }
        var neighborIndex = [Int32](repeating: 0, count: itemCount * k)
        var neighborSim = [Float](repeating: 0, count: itemCount * k)
        var neighborCount = [Int](repeating: 0, count: itemCount)
        let owners = ownerNorms
        let others = neighborNorms
        neighborIndex.withUnsafeMutableBufferPointer { ni in
            neighborSim.withUnsafeMutableBufferPointer { ns in
                neighborCount.withUnsafeMutableBufferPointer { nc in
                    let niP = SharedMutablePointer(ni.baseAddress!)
                    let nsP = SharedMutablePointer(ns.baseAddress!)
                    let ncP = SharedMutablePointer(nc.baseAddress!)
                    ParallelRange.forEachChunk(count: itemCount, threads: threads) { _, range in
                        var acc = [Float](repeating: 0, count: itemCount)
                        var touched = [Int32]()
                        var candidateSims = [Float]()
                        var chosen = [Int32](repeating: 0, count: k)
                        var selector = TopKSelector(k: k)
                        interactions.rowOffsets.withUnsafeBufferPointer { uOff in
                        interactions.columnIndices.withUnsafeBufferPointer { uCol in
                        interactions.values.withUnsafeBufferPointer { uVal in
                        itemUsers.rowOffsets.withUnsafeBufferPointer { iOff in
                        itemUsers.columnIndices.withUnsafeBufferPointer { iCol in
                        itemUsers.values.withUnsafeBufferPointer { iVal in
                        owners.withUnsafeBufferPointer { ownerNorm in
                        others.withUnsafeBufferPointer { nrm in
                        acc.withUnsafeMutableBufferPointer { a in
                            for i in range {
                                touched.removeAll(keepingCapacity: true)
                                for p in iOff[i]..<iOff[i + 1] {
                                    let u = Int(iCol[p])
                                    let w = iVal[p]
                                    for q in uOff[u]..<uOff[u + 1] {
                                        let j = Int(uCol[q])
                                        if a[j] == 0 { touched.append(Int32(j)) }
                                        a[j] += w * uVal[q]
                                    }
                                }
                                // Ascending order makes selector ties resolve to the lower item index.
                                touched.sort()
                                candidateSims.removeAll(keepingCapacity: true)
                                let ni = ownerNorm[i]
                                for j in touched {
                                    let jj = Int(j)
                                    let sim = jj == i ? -Float.infinity : a[jj] / (ni * nrm[jj] + shrink)
                                    candidateSims.append(sim)
                                    a[jj] = 0
                                }
                                let n = candidateSims.withUnsafeBufferPointer { cs in
                                    chosen.withUnsafeMutableBufferPointer { ch in
                                        selector.select(scores: cs, excluding: UnsafeBufferPointer(start: nil, count: 0), into: ch)
                                    }
                                }
                                var kept = 0
                                for c in 0..<n {
                                    let pos = Int(chosen[c])
                                    let sim = candidateSims[pos]
                                    guard sim > 0, sim.isFinite else { continue }
                                    niP.base[i * k + kept] = touched[pos]
                                    nsP.base[i * k + kept] = sim
                                    kept += 1
                                }
                                ncP.base[i] = kept
                            }
                        }}}}}}}}}
                    }
                }
            }
        }
        var rows: [Int32] = []
        var cols: [Int32] = []
        var vals: [Float] = []
        for i in 0..<itemCount {
            for c in 0..<neighborCount[i] {
                rows.append(Int32(i))
                cols.append(neighborIndex[i * k + c])
                vals.append(neighborSim[i * k + c])
            }
        }
        let sims = try SparseMatrix(rowCount: itemCount, columnCount: itemCount, rows: rows, columns: cols, values: vals)
        return ItemKNN(configuration: configuration, similarities: sims)
    }

    /// Divides every value in row `u` by `(row length)^exponent`.
    private static func weightedByUserActivity(_ m: SparseMatrix, exponent: Float) -> SparseMatrix {
        var values = m.values
        for u in 0..<m.rowCount {
            let lo = m.rowOffsets[u], hi = m.rowOffsets[u + 1]
            guard hi > lo else { continue }
            let w = 1 / Float.pow(Float(hi - lo), exponent)
            for p in lo..<hi { values[p] *= w }
        }
        return SparseMatrix(rowCount: m.rowCount, columnCount: m.columnCount, rowOffsets: m.rowOffsets,
                            columnIndices: m.columnIndices, values: values)
    }

    /// The neighbours of `item`, most similar first.
    package func neighbors(of item: Int) -> [(item: Int32, similarity: Float)] {
        zip(similarities.columns(ofRow: item), similarities.values(ofRow: item))
            .map { (item: $0.0, similarity: $0.1) }
            .sorted { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : $0.item < $1.item }
    }

    /// - Complexity: O(items + Σ_{i ∈ history} neighbors).
    package func score(user: Int?, history: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
                       into scores: UnsafeMutableBufferPointer<Float>) {
        scores.update(repeating: 0)
        similarities.rowOffsets.withUnsafeBufferPointer { off in
            similarities.columnIndices.withUnsafeBufferPointer { col in
                similarities.values.withUnsafeBufferPointer { val in
                    for (h, item) in history.enumerated() {
                        let i = Int(item)
                        guard i >= 0, i < itemCount else { continue }
                        let w = h < values.count ? values[h] : 1
                        for p in off[i]..<off[i + 1] { scores[Int(col[p])] += w * val[p] }
                    }
                }
            }
        }
    }

    // MARK: Persistence

    private static let tag = "IKNN"

    /// A compact little-endian blob; see ``BinaryWriter``.
    package func serialized() -> [UInt8] {
        var w = BinaryWriter(tag: Self.tag, version: 1)
        w.write(Int64(configuration.neighbors))
        w.write(configuration.shrinkage)
        w.write(configuration.asymmetry)
        w.write(configuration.userWeightExponent)
        w.write(similarities)
        return w.bytes
    }

    /// - Throws: `AttuneMLError.corruptData` / `unsupportedVersion` on a bad blob.
    package init(serialized bytes: [UInt8]) throws {
        var r = try BinaryReader(bytes, tag: Self.tag, maxVersion: 1)
        let k = Int(try r.read(Int64.self))
        let shrink = try r.readFloat()
        let asymmetry = try r.readFloat()
        let beta = try r.readFloat()
        let sims = try r.readSparseMatrix()
        try r.expectEnd()
        guard sims.rowCount == sims.columnCount else { throw AttuneMLError.corruptData("similarity matrix not square") }
        self.init(configuration: Configuration(neighbors: k, shrinkage: shrink, asymmetry: asymmetry, userWeightExponent: beta), similarities: sims)
    }
}
