/// Batch scoring shared by the factor models: `score(u, i) = pᵤ · qᵢ (+ bᵢ)`.
package enum FactorScoring {
    /// Users scored together per matrix product; 32 x 1,682 floats = 215 KB of scores per block.
    static let userBlock = 32

    /// The batch path shared by the factor models: blocked scoring when `seen` has at most one row
    /// per trained user, otherwise `model`'s per-user path (users added since training are served
    /// from their history).
    package static func recommendAll(
        model: some Recommender, userFactors: DenseMatrix, itemFactors: DenseMatrix, itemBias: [Float],
        seen: SparseMatrix, k: Int, threads: Int
    ) -> [[Int32]] {
        guard seen.rowCount <= userFactors.rowCount, seen.columnCount == itemFactors.rowCount else {
            return RecommendAll.run(userCount: seen.rowCount, itemCount: model.itemCount, seen: seen, k: k, threads: threads) {
                user, history, values, scores in
                model.score(user: user, history: history, values: values, into: scores)
            }
        }
        // Fewer rows than users: score the first rows only.
        let users = seen.rowCount < userFactors.rowCount ? userFactors.prefixRows(seen.rowCount) : userFactors
        return recommendAll(userFactors: users, itemFactors: itemFactors, itemBias: itemBias, seen: seen, k: k, threads: threads)
    }

    /// Top-`k` unseen items for every user via blocked `P · Qᵀ` products.
    ///
    /// - Parameters:
    ///   - userFactors: users x f.
    ///   - itemFactors: items x f.
    ///   - itemBias: one per item, or empty.
    ///   - seen: users x items, the items never to return.
    /// - Complexity: O(users · items · f) arithmetic plus O(users · items · log k) selection.
    package static func recommendAll(
        userFactors: DenseMatrix, itemFactors: DenseMatrix, itemBias: [Float],
        seen: SparseMatrix, k: Int, threads: Int
    ) -> [[Int32]] {
        let users = userFactors.rowCount
        let items = itemFactors.rowCount
        let f = userFactors.columnCount
        precondition(seen.rowCount == users && seen.columnCount == items, "seen matrix shape")
        precondition(itemFactors.columnCount == f, "factor widths differ")
        precondition(itemBias.isEmpty || itemBias.count == items, "one bias per item")
        if users == 0 || items == 0 || k <= 0 { return [[Int32]](repeating: [], count: users) }
        let blocks = (users + userBlock - 1) / userBlock
        var flat = [Int32](repeating: -1, count: users * k)
        var counts = [Int](repeating: 0, count: users)
        flat.withUnsafeMutableBufferPointer { out in
            counts.withUnsafeMutableBufferPointer { cnt in
                let outP = SharedMutablePointer(out.baseAddress!)
                let cntP = SharedMutablePointer(cnt.baseAddress!)
                ParallelRange.forEachChunk(count: blocks, threads: threads) { _, blockRange in
                    var scores = [Float](repeating: 0, count: userBlock * items)
                    var selector = TopKSelector(k: k)
                    userFactors.values.withUnsafeBufferPointer { p in
                    itemFactors.values.withUnsafeBufferPointer { q in
                    itemBias.withUnsafeBufferPointer { bias in
                    seen.columnIndices.withUnsafeBufferPointer { seenCols in
                    scores.withUnsafeMutableBufferPointer { s in
                        for block in blockRange {
                            let u0 = block * userBlock
                            let n = Swift.min(userBlock, users - u0)
                            MatrixKernels.multiplyTransposed(
                                p.baseAddress! + u0 * f, rows: n, q.baseAddress!, rows: items, depth: f,
                                into: s.baseAddress!, rowStride: items)
                            for b in 0..<n {
                                let u = u0 + b
                                let row = UnsafeMutableBufferPointer(rebasing: s[(b * items)..<((b + 1) * items)])
                                if !bias.isEmpty {
                                    for i in 0..<items { row[i] += bias[i] }
                                }
                                let ex = UnsafeBufferPointer(
                                    rebasing: seenCols[seen.rowOffsets[u]..<seen.rowOffsets[u + 1]])
                                let o = UnsafeMutableBufferPointer(start: outP.base + u * k, count: k)
                                cntP.base[u] = selector.select(scores: UnsafeBufferPointer(row), excluding: ex, into: o)
                            }
                        }
                    }}}}}
                }
            }
        }
        return (0..<users).map { u in Array(flat[(u * k)..<(u * k + counts[u])]) }
    }

    /// Scores of every item for one user vector.
    /// - Complexity: O(items · f).
    package static func score(
        userVector: UnsafePointer<Float>, itemFactors: DenseMatrix, itemBias: [Float],
        into scores: UnsafeMutableBufferPointer<Float>
    ) {
        let f = itemFactors.columnCount
        let n = itemFactors.rowCount
        itemFactors.values.withUnsafeBufferPointer { q in
            let base = q.baseAddress!
            var i = 0
            while i &+ 4 <= n {
                let four = VectorKernels.dot4(userVector, rows: base + i &* f, stride: f, count: f)
                for j in 0..<4 { scores[i &+ j] = four[j] }
                i &+= 4
            }
            while i < n {
                scores[i] = VectorKernels.dot(userVector, base + i &* f, count: f)
                i &+= 1
            }
            if !itemBias.isEmpty {
                for j in 0..<n { scores[j] += itemBias[j] }
            }
        }
    }
}
