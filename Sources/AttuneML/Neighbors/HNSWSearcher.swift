/// One entry of an HNSW search heap: a key (a distance, or its negation) and a node slot.
struct HNSWEntry {
    var key: Float
    var node: Int32
}

/// A binary min-heap of ``HNSWEntry`` over manually managed memory.
///
/// The search keeps two of these: candidates by distance (closest on top) and results by negated
/// distance (farthest on top), so one type serves both. Memory is owned by ``HNSWSearcher``;
/// `grow()` doubles it on the rare query that visits more nodes than seen before, so steady-state
/// searches never allocate.
struct HNSWHeap {
    private(set) var base: UnsafeMutablePointer<HNSWEntry>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    func deallocate() { base.deallocate() }

    @inline(__always) var root: HNSWEntry { base[0] }

    @inline(__always)
    mutating func push(_ key: Float, _ node: Int32) {
        if count == capacity { grow() }
        var i = count
        count &+= 1
        while i > 0 {
            let parent = (i &- 1) >> 1
            let p = base[parent]
            if p.key <= key { break }
            base[i] = p
            i = parent
        }
        base[i] = HNSWEntry(key: key, node: node)
    }

    @inline(__always)
    mutating func popRoot() {
        count &-= 1
        if count > 0 { siftDown(base[count]) }
    }

    /// Replaces the root and restores the heap: one sift instead of a push followed by a pop.
    @inline(__always)
    func replaceRoot(_ key: Float, _ node: Int32) {
        siftDown(HNSWEntry(key: key, node: node))
    }

    @inline(__always)
    private func siftDown(_ e: HNSWEntry) {
        let n = count
        var i = 0
        while true {
            var child = 2 &* i &+ 1
            if child >= n { break }
            let right = child &+ 1
            if right < n && base[right].key < base[child].key { child = right }
            let c = base[child]
            if c.key >= e.key { break }
            base[i] = c
            i = child
        }
        base[i] = e
    }

    @inline(never)
    private mutating func grow() {
        let bigger = UnsafeMutablePointer<HNSWEntry>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }
}

/// Scratch memory for searching an ``HNSWIndex``: a generation-stamped visited set, the two search
/// heaps and small buffers, allocated once and reused for every query.
///
/// Not `Sendable`: keep one per thread (or per task) and pass it to each search. A searcher
/// adapts itself to any index it is used with, growing only when that index is larger than any
/// it saw before.
package final class HNSWSearcher {
    /// Per node, the stamp of the last search that visited it. Bumping `stamp` clears the set in
    /// O(1); the array is zeroed only when the 16-bit stamp wraps around (every 65,535 searches).
    /// 16 bits rather than 32 halve the set's cache footprint.
    private(set) var visited: UnsafeMutablePointer<UInt16>
    private(set) var visitedCapacity: Int
    private(set) var stamp: UInt16 = 0
    var candidates: HNSWHeap
    var results: HNSWHeap
    /// The prepared (normalised under cosine) query.
    private(set) var query: UnsafeMutablePointer<Float>
    private(set) var queryCapacity: Int
    /// Unvisited neighbours of the node being expanded, gathered before their distances are
    /// computed so that the loads of several vectors overlap.
    private(set) var fresh: UnsafeMutablePointer<Int32>
    /// Results in ascending distance, or candidate lists of the neighbour-selection heuristic.
    private(set) var sorted: UnsafeMutablePointer<HNSWEntry>
    /// Output of the neighbour-selection heuristic.
    private(set) var selected: UnsafeMutablePointer<HNSWEntry>
    /// Candidates and survivors when an existing node's full list is pruned during insertion
    /// (kept apart from `sorted` and `selected`, which are still in use at that point).
    private(set) var pruneCandidates: UnsafeMutablePointer<HNSWEntry>
    private(set) var pruneSelected: UnsafeMutablePointer<HNSWEntry>
    private(set) var listCapacity: Int

    /// A searcher sized for `index`.
    package convenience init(for index: HNSWIndex) {
        self.init(
            nodeCount: index.nodeCount, dimension: index.dimension, maxDegree: index.maxNeighbors0,
            ef: Swift.max(index.configuration.efSearch, index.configuration.efConstruction))
    }

    init(nodeCount: Int, dimension: Int, maxDegree: Int, ef: Int) {
        visitedCapacity = Swift.max(nodeCount, 1)
        visited = .allocate(capacity: visitedCapacity)
        visited.initialize(repeating: 0, count: visitedCapacity)
        candidates = HNSWHeap(capacity: 4 * ef)
        results = HNSWHeap(capacity: ef + 1)
        queryCapacity = Swift.max(dimension, 1)
        query = .allocate(capacity: queryCapacity)
        listCapacity = Swift.max(ef, maxDegree) + 1
        fresh = .allocate(capacity: listCapacity)
        sorted = .allocate(capacity: listCapacity)
        selected = .allocate(capacity: listCapacity)
        pruneCandidates = .allocate(capacity: listCapacity)
        pruneSelected = .allocate(capacity: listCapacity)
    }

    deinit {
        visited.deallocate()
        candidates.deallocate()
        results.deallocate()
        query.deallocate()
        fresh.deallocate()
        sorted.deallocate()
        selected.deallocate()
        pruneCandidates.deallocate()
        pruneSelected.deallocate()
    }

    /// Makes room for a search over `nodeCount` nodes with beam `ef` and lists of `maxDegree`.
    /// Allocates only when the needs grew since the last call.
    @inline(__always)
    func reserve(nodeCount: Int, dimension: Int, maxDegree: Int, ef: Int) {
        if nodeCount > visitedCapacity { growVisited(nodeCount) }
        if dimension > queryCapacity {
            query.deallocate()
            queryCapacity = dimension
            query = .allocate(capacity: dimension)
        }
        let need = Swift.max(ef, maxDegree) + 1
        if need > listCapacity { growLists(need) }
    }

    /// Starts a new search: every node becomes unvisited.
    @inline(__always)
    func nextStamp() -> UInt16 {
        stamp &+= 1
        if stamp == 0 {
            visited.update(repeating: 0, count: visitedCapacity)
            stamp = 1
        }
        return stamp
    }

    @inline(never)
    private func growVisited(_ nodeCount: Int) {
        // Grow geometrically so that a stream of single inserts does not reallocate each time.
        let capacity = Swift.max(nodeCount, visitedCapacity * 2)
        let bigger = UnsafeMutablePointer<UInt16>.allocate(capacity: capacity)
        bigger.initialize(repeating: 0, count: capacity)
        visited.deallocate()
        visited = bigger
        visitedCapacity = capacity
        stamp = 0
    }

    @inline(never)
    private func growLists(_ need: Int) {
        fresh.deallocate()
        sorted.deallocate()
        selected.deallocate()
        pruneCandidates.deallocate()
        pruneSelected.deallocate()
        listCapacity = need
        fresh = .allocate(capacity: need)
        sorted = .allocate(capacity: need)
        selected = .allocate(capacity: need)
        pruneCandidates = .allocate(capacity: need)
        pruneSelected = .allocate(capacity: need)
    }
}
