import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Per-node spin locks for the parallel build: a node's neighbour lists are written by whichever
/// insertion links to it, so every read or write of a list during a parallel build holds that
/// node's lock. No code path holds two locks at once, so there is no lock order to get wrong.
///
/// `@unchecked Sendable`: the flags are atomics in memory that lives as long as the object.
final class HNSWNodeLocks: @unchecked Sendable {
    private let flags: UnsafeMutablePointer<Atomic<UInt8>>
    private let count: Int

    init(count: Int) {
        self.count = count
        flags = .allocate(capacity: Swift.max(count, 1))
        for i in 0..<count { (flags + i).initialize(to: Atomic<UInt8>(0)) }
    }

    deinit {
        flags.deinitialize(count: count)
        flags.deallocate()
    }

    @inline(__always)
    func lock(_ node: Int32) {
        // Critical sections copy or rewrite at most 2M + 1 ids: spinning beats parking here.
        while !flags[Int(node)].compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged {
            var spins = 0
            while flags[Int(node)].load(ordering: .relaxed) != 0 {
                spins += 1
                // The holder may have been descheduled on a busy machine: give it the core.
                if spins & 255 == 0 { sched_yield() }
            }
        }
    }

    @inline(__always)
    func unlock(_ node: Int32) {
        flags[Int(node)].store(0, ordering: .releasing)
    }
}

/// Raw views of an ``HNSWIndex``'s arrays plus the algorithms of the paper that walk them.
///
/// Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search using Hierarchical
/// Navigable Small World graphs", IEEE TPAMI 2018 (arXiv:1603.09320): `searchLayer` is Algorithm 2,
/// `selectNeighbors` Algorithm 4 (the heuristic, without extending or keeping pruned candidates),
/// `link` the body of Algorithm 1, `greedyClosest` the ef = 1 descent of Algorithm 5.
///
/// Distances: smaller is closer. Squared L2 for euclidean, the negated inner product otherwise
/// (cosine vectors are stored normalised).
///
/// `@unchecked Sendable`: a bag of pointers. Searches only read. The parallel build writes lists
/// only under ``HNSWNodeLocks`` and writes no other field while workers run; the owning arrays are
/// kept alive and un-moved by the caller until the workers return.
struct HNSWGraph: @unchecked Sendable {
    let vectors: UnsafeMutablePointer<Float>
    let links0: UnsafeMutablePointer<Int32>
    let upperOffsets: UnsafeMutablePointer<Int32>
    let upperLinks: UnsafeMutablePointer<Int32>
    let deleted: UnsafeMutablePointer<Bool>
    let dimension: Int
    let maxNeighbors: Int
    let maxNeighbors0: Int
    let euclidean: Bool
    /// Whether any node is deleted: when false the search skips the per-node check.
    let hasDeleted: Bool
    /// Non-nil only during a parallel build.
    let locks: HNSWNodeLocks?

    @inline(__always)
    func vector(_ node: Int32) -> UnsafeMutablePointer<Float> { vectors + Int(node) &* dimension }

    /// The list of `node` at `level`: `list[0]` is the neighbour count, `list[1...]` the ids.
    @inline(__always)
    func list(_ node: Int32, level: Int) -> UnsafeMutablePointer<Int32> {
        if level == 0 { return links0 + Int(node) &* (maxNeighbors0 &+ 1) }
        return upperLinks + (Int(upperOffsets[Int(node)]) &+ (level &- 1) &* (maxNeighbors &+ 1))
    }

    @inline(__always)
    func distance(_ query: UnsafePointer<Float>, _ node: Int32) -> Float {
        euclidean
            ? VectorKernels.squaredDistance(query, vector(node), count: dimension)
            : -VectorKernels.dot(query, vector(node), count: dimension)
    }

    @inline(__always)
    func distance(between a: Int32, _ b: Int32) -> Float { distance(vector(a), b) }

    /// Copies the not-yet-visited neighbours of `node` at `level` into `out`, marking them
    /// visited; returns how many. Under the node's lock during a parallel build.
    @inline(__always)
    func gatherUnvisited(
        _ node: Int32, level: Int, visited: UnsafeMutablePointer<UInt16>, stamp: UInt16,
        into out: UnsafeMutablePointer<Int32>
    ) -> Int {
        locks?.lock(node)
        let l = list(node, level: level)
        let n = Int(l[0])
        var m = 0
        var j = 1
        while j <= n {
            let nb = l[j]
            if visited[Int(nb)] != stamp {
                visited[Int(nb)] = stamp
                out[m] = nb
                m &+= 1
            }
            j &+= 1
        }
        locks?.unlock(node)
        return m
    }

    /// Greedy descent at one level (beam width 1): moves to a closer neighbour while there is one.
    /// - Complexity: O(steps x M x d).
    @inline(__always)
    func greedyClosest(
        _ query: UnsafePointer<Float>, from entry: inout Int32, distance entryDistance: inout Float, level: Int,
        scratch: UnsafeMutablePointer<Int32>
    ) {
        var changed = true
        while changed {
            changed = false
            locks?.lock(entry)
            let l = list(entry, level: level)
            let n = Int(l[0])
            scratch.update(from: l + 1, count: n)
            locks?.unlock(entry)
            var j = 0
            while j < n {
                let nb = scratch[j]
                let d = distance(query, nb)
                if d < entryDistance {
                    entryDistance = d
                    entry = nb
                    changed = true
                }
                j &+= 1
            }
        }
    }

    /// Beam search at one level (Algorithm 2). Leaves the (up to) `ef` closest live nodes in
    /// `searcher.results` as a heap of negated distances (farthest on top). Deleted nodes are
    /// walked through but never returned.
    /// - Complexity: O(visited x (M + log ef) x d); visited grows roughly with ef log n.
    @inline(__always)
    func searchLayer(
        _ query: UnsafePointer<Float>, entry: Int32, entryDistance: Float, ef: Int, level: Int, searcher: HNSWSearcher
    ) {
        let visited = searcher.visited
        let stamp = searcher.nextStamp()
        let fresh = searcher.fresh
        var candidates = searcher.candidates
        var results = searcher.results
        candidates.count = 0
        results.count = 0
        var bound = Float.infinity  // distance of the farthest result once `ef` are held
        visited[Int(entry)] = stamp
        candidates.push(entryDistance, entry)
        if !(hasDeleted && deleted[Int(entry)]) {
            results.push(-entryDistance, entry)
            bound = entryDistance
        }
        while candidates.count > 0 {
            let current = candidates.root
            // Every remaining candidate is farther than the worst kept result: nothing can improve.
            if current.key > bound && results.count >= ef { break }
            candidates.popRoot()
            let m = gatherUnvisited(current.node, level: level, visited: visited, stamp: stamp, into: fresh)
            var j = 0
            while j < m {
                let nb = fresh[j]
                let d = distance(query, nb)
                if results.count < ef || d < bound {
                    candidates.push(d, nb)
                    if !(hasDeleted && deleted[Int(nb)]) {
                        if results.count < ef {
                            results.push(-d, nb)
                        } else {
                            results.replaceRoot(-d, nb)
                        }
                        bound = -results.root.key
                    }
                }
                j &+= 1
            }
        }
        searcher.candidates = candidates
        searcher.results = results
    }

    /// Empties `searcher.results` into `out` in ascending distance; returns the count.
    @inline(__always)
    func drainResults(_ searcher: HNSWSearcher, into out: UnsafeMutablePointer<HNSWEntry>) -> Int {
        var results = searcher.results
        let n = results.count
        var i = n
        while i > 0 {
            i &-= 1
            let e = results.root
            out[i] = HNSWEntry(key: -e.key, node: e.node)
            results.popRoot()
        }
        searcher.results = results
        return n
    }

    /// The neighbour-selection heuristic (Algorithm 4): walking candidates closest first, keeps
    /// one only if it is closer to the base than to every neighbour kept so far. This spreads
    /// links across directions, which keeps clustered data navigable.
    /// - Parameters:
    ///   - candidates: `count` entries in ascending distance to the base.
    ///   - maxCount: how many to keep at most.
    ///   - out: room for `maxCount` entries.
    /// - Returns: how many were kept (ascending distance).
    /// - Complexity: O(count x maxCount x d).
    @inline(__always)
    func selectNeighbors(
        _ candidates: UnsafeMutablePointer<HNSWEntry>, count: Int, maxCount: Int,
        into out: UnsafeMutablePointer<HNSWEntry>
    ) -> Int {
        if count <= maxCount {
            out.update(from: candidates, count: count)
            return count
        }
        var kept = 0
        var i = 0
        while i < count && kept < maxCount {
            let e = candidates[i]
            var good = true
            var j = 0
            while j < kept {
                if distance(between: e.node, out[j].node) < e.key {
                    good = false
                    break
                }
                j &+= 1
            }
            if good {
                out[kept] = e
                kept &+= 1
            }
            i &+= 1
        }
        return kept
    }

    /// Links a node whose vector is stored and whose lists are empty into the graph (the body of
    /// Algorithm 1 after its level is drawn).
    /// - Parameters:
    ///   - node: the new node's slot.
    ///   - level: its top level.
    ///   - entry: the current entry point, whose top level is `entryLevel`.
    /// - Complexity: O(log n x efConstruction x M x d) expected.
    func link(node: Int32, level: Int, entry: Int32, entryLevel: Int, efConstruction: Int, searcher: HNSWSearcher) {
        let query = UnsafePointer(vector(node))
        var ep = entry
        var epDistance = distance(query, ep)
        var l = entryLevel
        while l > level {
            greedyClosest(query, from: &ep, distance: &epDistance, level: l, scratch: searcher.fresh)
            l &-= 1
        }
        l = Swift.min(level, entryLevel)
        while l >= 0 {
            searchLayer(query, entry: ep, entryDistance: epDistance, ef: efConstruction, level: l, searcher: searcher)
            let found = drainResults(searcher, into: searcher.sorted)
            if found > 0 {
                ep = searcher.sorted[0].node
                epDistance = searcher.sorted[0].key
            }
            // The new node gets M links on every level, as in the paper; old nodes may hold
            // up to 2M on level 0 (Mmax0), which the paper found best.
            let kept = selectNeighbors(searcher.sorted, count: found, maxCount: maxNeighbors, into: searcher.selected)
            let own = list(node, level: l)
            locks?.lock(node)
            own[0] = Int32(kept)
            for j in 0..<kept { own[1 &+ j] = searcher.selected[j].node }
            locks?.unlock(node)
            let cap = l == 0 ? maxNeighbors0 : maxNeighbors
            for j in 0..<kept {
                let e = searcher.selected[j]
                addLink(from: e.node, to: node, distance: e.key, level: l, maxCount: cap, searcher: searcher)
            }
            l &-= 1
        }
    }

    /// Adds `target` to the list of `owner` at `level`, re-running the heuristic over the old
    /// neighbours plus `target` when the list is full.
    @inline(__always)
    private func addLink(
        from owner: Int32, to target: Int32, distance d: Float, level: Int, maxCount: Int, searcher: HNSWSearcher
    ) {
        locks?.lock(owner)
        defer { locks?.unlock(owner) }
        let l = list(owner, level: level)
        let n = Int(l[0])
        for j in 0..<n where l[1 &+ j] == target { return }
        if n < maxCount {
            l[1 &+ n] = target
            l[0] = Int32(n &+ 1)
            return
        }
        let candidates = searcher.pruneCandidates
        candidates[0] = HNSWEntry(key: d, node: target)
        for j in 0..<n {
            let nb = l[1 &+ j]
            candidates[1 &+ j] = HNSWEntry(key: distance(between: owner, nb), node: nb)
        }
        // Insertion sort: at most 2M + 1 entries.
        let total = n &+ 1
        var i = 1
        while i < total {
            let e = candidates[i]
            var k = i
            while k > 0 && candidates[k &- 1].key > e.key {
                candidates[k] = candidates[k &- 1]
                k &-= 1
            }
            candidates[k] = e
            i &+= 1
        }
        let kept = selectNeighbors(candidates, count: total, maxCount: maxCount, into: searcher.pruneSelected)
        l[0] = Int32(kept)
        for j in 0..<kept { l[1 &+ j] = searcher.pruneSelected[j].node }
    }
}
