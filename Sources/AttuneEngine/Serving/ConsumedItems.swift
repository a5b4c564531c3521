/// The item labels a user already has, distinct and sorted: never recommended back.
///
/// One contiguous array searched by halves rather than a hash set: a user has tens to hundreds of
/// items and a request asks about a few dozen candidates, so a lookup costs a handful of
/// comparisons, and the array is a quarter of a set's size in ``ResolvedHistoryCache``.
struct ConsumedItems: Sendable {
    /// Sorted, distinct.
    private(set) var labels: [Int32]

    init() { labels = [] }

    /// - Parameter sorted: distinct labels in increasing order.
    init(sorted: [Int32]) {
        #if DEBUG
        precondition(zip(sorted, sorted.dropFirst()).allSatisfy { $0 < $1 }, "labels must be sorted and distinct")
        #endif
        labels = sorted
    }

    init(_ labels: some Sequence<Int32>) {
        self.labels = Array(Set(labels)).sorted()
    }

    /// - Complexity: O(log n).
    func contains(_ label: Int32) -> Bool {
        labels.withUnsafeBufferPointer { buffer in
            var low = 0
            var high = buffer.count
            while low < high {
                let middle = (low &+ high) >> 1
                if buffer[middle] < label { low = middle &+ 1 } else { high = middle }
            }
            return low < buffer.count && buffer[low] == label
        }
    }

    func union(_ other: some Sequence<Int32>) -> ConsumedItems {
        let extra = other.filter { !contains($0) }
        return extra.isEmpty ? self : ConsumedItems(labels + extra)
    }

    var count: Int { labels.count }
}
