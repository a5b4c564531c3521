import Dispatch
import RealModule
import Synchronization

/// Approximate top-k vector search with a Hierarchical Navigable Small World graph.
///
/// Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search using Hierarchical
/// Navigable Small World graphs", IEEE TPAMI 42(4), 2020 (arXiv:1603.09320, 2016). Each vector is
/// a node on levels `0...L`, with `L` drawn from an exponential distribution of mean `1 / ln M`;
/// every level is a proximity graph whose links are chosen by the paper's diversity heuristic.
/// A search descends greedily through the sparse upper levels and runs a beam search of width
/// `ef` on level 0.
///
/// The struct is a value: copies share storage until one of them is mutated, so a serving layer
/// can hold an immutable snapshot (it is `Sendable`) while a trainer builds the next one. Search
/// through an ``HNSWSearcher`` per thread; see `HNSWIndex+Search.swift`.
///
/// Storage, all flat arrays indexed by node slot (no per-node objects):
/// - `vectors`: `nodeCount * dimension` floats, row-major (normalised under cosine);
/// - `links0`: level-0 lists, `2M + 1` `Int32` per node (a count, then ids);
/// - `upperLinks`: for each node with `L >= 1`, `L` lists of `M + 1` at `upperOffsets[node]`.
///
/// Removal marks a node deleted: it still routes searches but is never returned, as in hnswlib,
/// so recall holds without relinking. Its memory is reclaimed only by building a new index.
package struct HNSWIndex: VectorIndex, Equatable {
    /// Hyper-parameters, saved with the index. The names follow the paper and hnswlib.
    package struct Configuration: Sendable, Equatable {
        /// The metric to rank by.
        package var metric: VectorMetric
        /// M: links per node on the upper levels (level 0 holds up to 2M). 12 to 48 is usual.
        package var neighbors: Int
        /// Beam width while inserting: higher builds a better graph, more slowly.
        package var efConstruction: Int
        /// Default beam width of a search (raised to k when smaller): the recall/speed knob.
        package var efSearch: Int
        /// Seeds the level draws, so a build on one thread is reproducible.
        package var seed: UInt64

        package init(
            metric: VectorMetric = .innerProduct, neighbors: Int = 16, efConstruction: Int = 200,
            efSearch: Int = 50, seed: UInt64 = 100
        ) {
            self.metric = metric
            self.neighbors = neighbors
            self.efConstruction = efConstruction
            self.efSearch = efSearch
            self.seed = seed
        }

        /// - Throws: `AttuneMLError.invalidArgument` naming the first bad field.
        package func validate() throws {
            guard (2...1024).contains(neighbors) else {
                throw AttuneMLError.invalidArgument("neighbors must be in 2...1024, got \(neighbors)")
            }
            guard efConstruction >= 1 else {
                throw AttuneMLError.invalidArgument("efConstruction must be positive, got \(efConstruction)")
            }
            guard efSearch >= 1 else {
                throw AttuneMLError.invalidArgument("efSearch must be positive, got \(efSearch)")
            }
        }
    }

    /// Levels above this are never drawn (probability M^-31: never, in practice).
    static let maxLevelCap = 31

    package let configuration: Configuration
    package let dimension: Int
    package var metric: VectorMetric { configuration.metric }

    var vectors: [Float] = []
    var labels: [Int32] = []
    var levels: [UInt8] = []
    var links0: [Int32] = []
    var upperOffsets: [Int32] = []
    /// Starts with one unused element so the array is never empty (its base address is never nil).
    var upperLinks: [Int32] = [0]
    var deleted: [Bool] = []
    var slotOfLabel: [Int32: Int32] = [:]
    /// The newest deleted slot of each label not live now, so that ``restore(label:)`` can bring
    /// the node back instead of inserting another.
    var tombstoneOfLabel: [Int32: Int32] = [:]
    var entryPoint: Int32 = -1
    var maxLevel = -1
    var deletedCount = 0
    /// Draws the levels of future inserts; saved so that a loaded index keeps inserting the same way.
    var generator: SeededGenerator

    /// An empty index.
    /// - Throws: `AttuneMLError.invalidArgument` for a non-positive dimension or a bad configuration.
    package init(dimension: Int, configuration: Configuration = .init()) throws {
        try VectorChecks.checkDimension(dimension)
        try configuration.validate()
        self.dimension = dimension
        self.configuration = configuration
        generator = SeededGenerator(seed: configuration.seed)
    }

    /// Builds an index over `vectors.count / dimension` row-major vectors, labelled `0..<n` unless
    /// `labels` is given.
    /// - Parameters:
    ///   - threads: insertion threads; 1 gives a reproducible graph for a fixed seed.
    /// - Throws: as ``insert(contentsOf:labels:threads:)``, plus the errors of ``init(dimension:configuration:)``.
    /// - Complexity: O(n log n x efConstruction x M x d) expected.
    package static func build(
        vectors: [Float], dimension: Int, labels: [Int32]? = nil, configuration: Configuration = .init(),
        threads: Int = 1
    ) throws -> HNSWIndex {
        var index = try HNSWIndex(dimension: dimension, configuration: configuration)
        try index.insert(contentsOf: vectors, labels: labels, threads: threads)
        return index
    }

    /// Every slot ever inserted, including deleted ones.
    package var nodeCount: Int { labels.count }
    /// Live vectors.
    package var count: Int { nodeCount - deletedCount }
    package var isEmpty: Bool { count == 0 }
    /// Levels in the hierarchy (0 when empty).
    package var levelCount: Int { maxLevel + 1 }
    var maxNeighbors: Int { configuration.neighbors }
    var maxNeighbors0: Int { 2 * configuration.neighbors }

    /// Whether `label` is stored and not removed.
    package func contains(_ label: Int32) -> Bool { slotOfLabel[label] != nil }

    /// The stored (normalised under cosine) vector of `label`, if live.
    package func vector(of label: Int32) -> [Float]? {
        guard let slot = slotOfLabel[label] else { return nil }
        let start = Int(slot) * dimension
        return Array(vectors[start..<(start + dimension)])
    }

    // MARK: Mutation

    /// Adds one vector without rebuilding.
    /// - Throws: `AttuneMLError.dimensionMismatch` for a wrong length; `AttuneMLError.invalidArgument`
    ///   for a non-finite value or a negative or already stored label. The index is unchanged on error.
    /// - Complexity: O(log n x efConstruction x M x d) expected, plus O(n) to size a fresh visited
    ///   set; insert many at once with ``insert(contentsOf:labels:threads:)``.
    package mutating func insert(_ vector: [Float], label: Int32) throws {
        try insert(contentsOf: vector, labels: [label], threads: 1)
    }

    /// Adds `vectors.count / dimension` row-major vectors, labelled `labels` (default: the next
    /// free integers from `nodeCount`), without rebuilding.
    /// - Parameter threads: 1 inserts in order (reproducible); 2 or more insert in parallel with
    ///   per-node locks (the graph then depends on scheduling; its quality does not).
    /// - Throws: `AttuneMLError.dimensionMismatch` when `vectors.count` is not a multiple of the
    ///   dimension or `labels` has the wrong length; `AttuneMLError.invalidArgument` for non-finite
    ///   values, negative labels, labels repeated in the batch or already stored. Checks run
    ///   before anything is stored, so the index is unchanged on error.
    /// - Complexity: O(m log n x efConstruction x M x d) expected for m new vectors.
    package mutating func insert(contentsOf vectors: [Float], labels newLabels: [Int32]? = nil, threads: Int = 1) throws
    {
        let d = dimension
        guard vectors.count % d == 0 else {
            throw AttuneMLError.dimensionMismatch("\(vectors.count) values is not a multiple of dimension \(d)")
        }
        let m = vectors.count / d
        let first = nodeCount
        guard first + m <= Int(Int32.max) else {
            throw AttuneMLError.invalidArgument("index would exceed Int32.max nodes")
        }
        let newLabels = newLabels ?? (0..<m).map { Int32(first + $0) }
        guard newLabels.count == m else {
            throw AttuneMLError.dimensionMismatch("\(newLabels.count) labels for \(m) vectors")
        }
        guard vectors.allSatisfy(\.isFinite) else {
            throw AttuneMLError.invalidArgument("vectors hold a non-finite value")
        }
        var batch = Set<Int32>(minimumCapacity: m)
        for label in newLabels {
            try VectorChecks.checkLabel(label)
            guard slotOfLabel[label] == nil, batch.insert(label).inserted else {
                throw AttuneMLError.invalidArgument("label \(label) is already stored or repeated")
            }
        }
        if m == 0 { return }
        for label in newLabels { tombstoneOfLabel.removeValue(forKey: label) }
        appendNodes(vectors, labels: newLabels)
        linkNodes(first..<(first + m), threads: threads)
    }

    /// Marks the vector stored under `label` deleted; returns whether there was a live one.
    /// The node keeps routing searches but is never returned again. Its label may be inserted anew.
    /// - Complexity: O(1).
    @discardableResult
    package mutating func remove(label: Int32) -> Bool {
        guard let slot = slotOfLabel.removeValue(forKey: label) else { return false }
        deleted[Int(slot)] = true
        deletedCount += 1
        tombstoneOfLabel[label] = slot
        return true
    }

    /// Brings back the node ``remove(label:)`` deleted under `label`, with its vector and links:
    /// a label withdrawn and restored again and again keeps one node. Returns whether there was
    /// such a node (`false` when the label is live or was never stored).
    /// - Complexity: O(1).
    @discardableResult
    package mutating func restore(label: Int32) -> Bool {
        guard slotOfLabel[label] == nil, let slot = tombstoneOfLabel.removeValue(forKey: label) else { return false }
        deleted[Int(slot)] = false
        deletedCount -= 1
        slotOfLabel[label] = slot
        return true
    }

    /// Stores vectors, labels and drawn levels of new nodes, with empty lists.
    private mutating func appendNodes(_ newVectors: [Float], labels newLabels: [Int32]) {
        let d = dimension
        let m = newLabels.count
        let first = nodeCount
        let mL = 1 / Double.log(Double(configuration.neighbors))
        LargeArrayStorage.reserve(&vectors, count: (first + m) * d)
        LargeArrayStorage.reserve(&links0, count: (first + m) * (maxNeighbors0 + 1))
        vectors.append(contentsOf: repeatElement(0, count: m * d))
        let metric = self.metric
        vectors.withUnsafeMutableBufferPointer { out in
            newVectors.withUnsafeBufferPointer { src in
                for i in 0..<m {
                    VectorChecks.prepare(
                        src.baseAddress! + i * d, into: out.baseAddress! + (first + i) * d,
                        dimension: d, metric: metric)
                }
            }
        }
        links0.append(contentsOf: repeatElement(0, count: m * (maxNeighbors0 + 1)))
        levels.reserveCapacity(first + m)
        upperOffsets.reserveCapacity(first + m)
        var upperSize = upperLinks.count
        for _ in 0..<m {
            // u in (0, 1]: -ln(u) * mL is exponential with mean mL (the paper's level draw).
            let u = 1 - Double(generator.next() >> 11) * 0x1p-53
            let level = Swift.min(Int(-Double.log(u) * mL), Self.maxLevelCap)
            levels.append(UInt8(level))
            upperOffsets.append(level == 0 ? -1 : Int32(upperSize))
            upperSize += level * (maxNeighbors + 1)
        }
        upperLinks.append(contentsOf: repeatElement(0, count: upperSize - upperLinks.count))
        labels.append(contentsOf: newLabels)
        deleted.append(contentsOf: repeatElement(false, count: m))
        slotOfLabel.reserveCapacity(slotOfLabel.count + m)
        for (i, label) in newLabels.enumerated() { slotOfLabel[label] = Int32(first + i) }
    }

    /// Links stored nodes `range` (in order on one thread, or in parallel) and updates the entry point.
    private mutating func linkNodes(_ range: Range<Int>, threads: Int) {
        var next = range.lowerBound
        if entryPoint < 0 {
            entryPoint = Int32(next)
            maxLevel = Int(levels[next])
            next += 1
        }
        if next == range.upperBound { return }
        let efC = configuration.efConstruction
        let (nodeCount, dimension, m0) = (self.nodeCount, self.dimension, maxNeighbors0)
        let levels = self.levels
        var entry = (node: entryPoint, level: maxLevel)
        let parallel = threads > 1 && range.upperBound - next >= 2 * threads
        let locks = parallel ? HNSWNodeLocks(count: nodeCount) : nil
        withMutableGraph(locks: locks) { graph in
            if !parallel {
                let searcher = HNSWSearcher(nodeCount: nodeCount, dimension: dimension, maxDegree: m0, ef: efC)
                for i in next..<range.upperBound {
                    let level = Int(levels[i])
                    graph.link(
                        node: Int32(i), level: level, entry: entry.node, entryLevel: entry.level,
                        efConstruction: efC, searcher: searcher)
                    if level > entry.level { entry = (Int32(i), level) }
                }
                return
            }
            // Workers take the next node from a shared counter; the entry point is read and
            // raised under a mutex. A node that raises the top level is linked below the old top
            // first and becomes the entry point afterwards, so no search starts from an unlinked node.
            let counter = Atomic<Int>(next)
            let top = Mutex(entry)
            let end = range.upperBound
            levels.withUnsafeBufferPointer { lv in
                let levelPointer = SharedPointer(lv.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: threads) { _ in
                    let searcher = HNSWSearcher(nodeCount: nodeCount, dimension: dimension, maxDegree: m0, ef: efC)
                    while true {
                        let i = counter.wrappingAdd(1, ordering: .relaxed).oldValue
                        if i >= end { break }
                        let level = Int(levelPointer.base[i])
                        let current = top.withLock { $0 }
                        graph.link(
                            node: Int32(i), level: level, entry: current.node, entryLevel: current.level,
                            efConstruction: efC, searcher: searcher)
                        if level > current.level {
                            top.withLock { if level > $0.level { $0 = (Int32(i), level) } }
                        }
                    }
                }
            }
            entry = top.withLock { $0 }
        }
        entryPoint = entry.node
        maxLevel = entry.level
    }

    /// Opens every array once and hands the raw graph to `body`.
    mutating func withMutableGraph<R>(locks: HNSWNodeLocks?, _ body: (HNSWGraph) -> R) -> R {
        let (d, m, m0, euclidean, hasDeleted) = (
            dimension, maxNeighbors, maxNeighbors0, metric == .euclidean, deletedCount > 0
        )
        return vectors.withUnsafeMutableBufferPointer { v in
            links0.withUnsafeMutableBufferPointer { l0 in
                upperOffsets.withUnsafeMutableBufferPointer { uo in
                    upperLinks.withUnsafeMutableBufferPointer { ul in
                        deleted.withUnsafeMutableBufferPointer { del in
                            body(
                                HNSWGraph(
                                    vectors: v.baseAddress!, links0: l0.baseAddress!, upperOffsets: uo.baseAddress!,
                                    upperLinks: ul.baseAddress!, deleted: del.baseAddress!, dimension: d,
                                    maxNeighbors: m,
                                    maxNeighbors0: m0, euclidean: euclidean, hasDeleted: hasDeleted, locks: locks))
                        }
                    }
                }
            }
        }
    }

    /// Read-only twin of ``withMutableGraph(locks:_:)`` for searches; `body` must not write.
    /// The caller guarantees `nodeCount > 0` (so no array is empty).
    func withGraph<R>(_ body: (HNSWGraph) -> R) -> R {
        let (d, m, m0, euclidean, hasDeleted) = (
            dimension, maxNeighbors, maxNeighbors0, metric == .euclidean, deletedCount > 0
        )
        return vectors.withUnsafeBufferPointer { v in
            links0.withUnsafeBufferPointer { l0 in
                upperOffsets.withUnsafeBufferPointer { uo in
                    upperLinks.withUnsafeBufferPointer { ul in
                        deleted.withUnsafeBufferPointer { del in
                            body(
                                HNSWGraph(
                                    vectors: UnsafeMutablePointer(mutating: v.baseAddress!),
                                    links0: UnsafeMutablePointer(mutating: l0.baseAddress!),
                                    upperOffsets: UnsafeMutablePointer(mutating: uo.baseAddress!),
                                    upperLinks: UnsafeMutablePointer(mutating: ul.baseAddress!),
                                    deleted: UnsafeMutablePointer(mutating: del.baseAddress!), dimension: d,
                                    maxNeighbors: m,
                                    maxNeighbors0: m0, euclidean: euclidean, hasDeleted: hasDeleted, locks: nil))
                        }
                    }
                }
            }
        }
    }
}
