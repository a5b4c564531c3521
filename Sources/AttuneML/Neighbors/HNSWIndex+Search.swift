extension HNSWIndex {
    /// A searcher sized for this index (see ``HNSWSearcher``): make one per thread and reuse it.
    package func makeSearcher() -> HNSWSearcher { HNSWSearcher(for: self) }

    /// The approximate `min(k, count)` best vectors for `query`, best first, with the configured
    /// `efSearch`.
    ///
    /// Convenience: allocates a fresh ``HNSWSearcher`` (an O(n) visited set) per call. Serving
    /// code should keep a searcher per thread and call ``search(_:k:ef:using:)``.
    /// - Throws: `AttuneMLError.dimensionMismatch` for a query of the wrong length,
    ///   `AttuneMLError.invalidArgument` for a negative `k` or a non-finite query.
    package func search(_ query: [Float], k: Int) throws -> [Neighbor] {
        try search(query, k: k, ef: nil, using: makeSearcher())
    }

    /// The approximate `min(k, count)` best vectors for `query`, best first.
    /// - Parameters:
    ///   - ef: beam width (default `configuration.efSearch`; raised to `k` when smaller). Larger
    ///     is slower with higher recall.
    ///   - searcher: scratch memory, used by one thread at a time.
    /// - Throws: as ``search(_:k:)``, plus `AttuneMLError.invalidArgument` for `ef < 1`.
    /// - Complexity: O(ef log n x M x d) expected.
    package func search(_ query: [Float], k: Int, ef: Int? = nil, using searcher: HNSWSearcher) throws -> [Neighbor] {
        try VectorChecks.checkK(k)
        let want = Swift.min(k, count)
        if want == 0 {
            try VectorChecks.checkVector(query, dimension: dimension, what: "query")
            return []
        }
        return try [Neighbor](unsafeUninitializedCapacity: want) { out, initialized in
            initialized = try query.withUnsafeBufferPointer { q in
                try search(
                    q, k: want, ef: ef ?? configuration.efSearch, using: searcher,
                    into: UnsafeMutableBufferPointer(rebasing: out[0..<want]))
            }
        }
    }

    /// The allocation-free form: writes the approximate best `min(k, count, out.count)` vectors
    /// for `query` into `out`, best first, and returns how many it wrote.
    ///
    /// Ties in score are ordered by label. Safe to call from many threads on the same index
    /// (the index is only read), each with its own searcher.
    /// - Throws: `AttuneMLError.dimensionMismatch` for a query of the wrong length,
    ///   `AttuneMLError.invalidArgument` for a negative `k`, `ef < 1` or a non-finite query.
    /// - Complexity: O(ef log n x M x d) expected; no allocation once `searcher` has grown to
    ///   this index's size.
    package func search(
        _ query: UnsafeBufferPointer<Float>, k: Int, ef: Int, using searcher: HNSWSearcher,
        into out: UnsafeMutableBufferPointer<Neighbor>
    ) throws -> Int {
        guard query.count == dimension else {
            throw AttuneMLError.dimensionMismatch("query has \(query.count) values, index dimension is \(dimension)")
        }
        try VectorChecks.checkK(k)
        guard ef >= 1 else { throw AttuneMLError.invalidArgument("ef must be positive, got \(ef)") }
        var finite = true
        for x in query where !x.isFinite { finite = false }
        guard finite else { throw AttuneMLError.invalidArgument("query holds a non-finite value") }
        let k = Swift.min(k, count, out.count)
        if k == 0 { return 0 }
        let ef = Swift.max(ef, k)
        searcher.reserve(nodeCount: nodeCount, dimension: dimension, maxDegree: maxNeighbors0, ef: ef)
        let q = searcher.query
        VectorChecks.prepare(query.baseAddress!, into: q, dimension: dimension, metric: metric)
        let found = withGraph { graph in
            var ep = entryPoint
            var epDistance = graph.distance(q, ep)
            var level = maxLevel
            while level > 0 {
                graph.greedyClosest(q, from: &ep, distance: &epDistance, level: level, scratch: searcher.fresh)
                level -= 1
            }
            graph.searchLayer(q, entry: ep, entryDistance: epDistance, ef: ef, level: 0, searcher: searcher)
            return graph.drainResults(searcher, into: searcher.sorted)
        }
        let n = Swift.min(k, found)
        let sorted = searcher.sorted
        labels.withUnsafeBufferPointer { lb in
            for i in 0..<n {
                let e = sorted[i]
                let hit = Neighbor(label: lb[Int(e.node)], score: -e.key)
                // Equal scores come out of the heap in arbitrary order: order them by label.
                var j = i
                while j > 0 && out[j - 1].score == hit.score && out[j - 1].label > hit.label {
                    out[j] = out[j - 1]
                    j -= 1
                }
                out[j] = hit
            }
        }
        return n
    }
}
