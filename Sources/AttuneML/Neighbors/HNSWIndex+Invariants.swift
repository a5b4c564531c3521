extension HNSWIndex {
    /// The first broken structural invariant of the graph, or `nil` when it is sound: for tests
    /// (after parallel builds, removals and reloads), too slow for production paths.
    ///
    /// Checks that every list's count is within its capacity, its ids are in range, distinct and
    /// not the node itself, and that upper-level lists only name nodes present on that level.
    /// Reachability is not an invariant of HNSW (pruning may drop a node's last incoming link);
    /// see ``unreachableCount()``.
    /// - Complexity: O(n M).
    package func invariantViolation() -> String? {
        let n = nodeCount
        if n == 0 { return entryPoint == -1 && maxLevel == -1 ? nil : "empty index with an entry point" }
        guard entryPoint >= 0, Int(entryPoint) < n, Int(levels[Int(entryPoint)]) == maxLevel else {
            return "entry point is not a node on the top level"
        }
        let (m, m0) = (maxNeighbors, maxNeighbors0)
        func list(_ node: Int, _ level: Int) -> ArraySlice<Int32> {
            let start = level == 0 ? node * (m0 + 1) : Int(upperOffsets[node]) + (level - 1) * (m + 1)
            let storage = level == 0 ? links0 : upperLinks
            let count = Int(storage[start])
            return storage[(start + 1)..<(start + 1 + Swift.min(count, level == 0 ? m0 : m))]
        }
        for node in 0..<n {
            for level in 0...Int(levels[node]) {
                let start = level == 0 ? node * (m0 + 1) : Int(upperOffsets[node]) + (level - 1) * (m + 1)
                let count = Int((level == 0 ? links0 : upperLinks)[start])
                guard count >= 0, count <= (level == 0 ? m0 : m) else { return "node \(node) level \(level): bad count" }
                let ids = list(node, level)
                guard Set(ids).count == ids.count else { return "node \(node) level \(level): repeated neighbour" }
                for id in ids {
                    guard id >= 0, Int(id) < n, Int(id) != node else { return "node \(node) level \(level): bad id \(id)" }
                    guard Int(levels[Int(id)]) >= level else { return "node \(node) level \(level): \(id) is not there" }
                }
            }
        }
        return nil
    }

    /// How many nodes cannot be reached from the entry point by following level-0 links: a
    /// search can never return them. Small for metric spaces; large under inner product, where
    /// vectors of small norm are nobody's near neighbour.
    /// - Complexity: O(n M).
    package func unreachableCount() -> Int {
        let n = nodeCount
        if n == 0 { return 0 }
        let stride0 = maxNeighbors0 + 1
        var seen = [Bool](repeating: false, count: n)
        var stack = [Int(entryPoint)]
        seen[Int(entryPoint)] = true
        var reached = 1
        while let node = stack.popLast() {
            let start = node * stride0
            for id in links0[(start + 1)..<(start + 1 + Int(links0[start]))] where !seen[Int(id)] {
                seen[Int(id)] = true
                reached += 1
                stack.append(Int(id))
            }
        }
        return n - reached
    }
}
