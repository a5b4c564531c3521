/// A cache's entries, bounded by an estimate of the bytes they hold: an insert that would pass
/// `capacity` empties it first. The serving caches are refilled on demand, so starting over
/// costs a few reads, where an eviction order would cost bookkeeping on every hit.
package struct WeighedEntries<Key: Hashable, Value> {
    private var entries: [Key: Value] = [:]
    /// The estimated bytes held; never above `capacity`.
    package private(set) var weight = 0
    package let capacity: Int

    package init(capacity: Int) {
        self.capacity = capacity
    }

    package subscript(key: Key) -> Value? { entries[key] }

    package var count: Int { entries.count }

    /// Keeps `value` for `key`, replacing what was there; `weigh` estimates an entry's bytes (the
    /// new one's and the replaced one's). A value heavier than the whole bound is not kept.
    package mutating func insert(_ value: Value, for key: Key, weighing weigh: (Key, Value) -> Int) {
        let bytes = weigh(key, value)
        guard bytes <= capacity else { return }
        if let old = entries.removeValue(forKey: key) { weight -= weigh(key, old) }
        if weight + bytes > capacity { removeAll() }
        entries[key] = value
        weight += bytes
    }

    package mutating func removeAll(keepingCapacity: Bool = false) {
        entries.removeAll(keepingCapacity: keepingCapacity)
        weight = 0
    }
}

extension WeighedEntries: Sendable where Key: Sendable, Value: Sendable {}
