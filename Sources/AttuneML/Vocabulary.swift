/// A two-way map between external keys and dense `Int32` indices `0..<count`.
///
/// The engine translates its typed ids into these indices so that every algorithm works on
/// contiguous arrays. Indices are handed out in insertion order; build the vocabulary from keys in
/// ascending order when a protocol breaks ties "by ascending id".
package struct Vocabulary<Key: Hashable & Sendable>: Sendable {
    package private(set) var keys: [Key] = []
    private var indexByKey: [Key: Int32] = [:]

    package init() {}

    /// Builds a vocabulary from `keys`, skipping repeats, keeping first-seen order.
    package init(_ keys: some Sequence<Key>) {
        // Sized once: a million-user model's vocabulary is not grown by doubling.
        self.keys.reserveCapacity(keys.underestimatedCount)
        indexByKey.reserveCapacity(keys.underestimatedCount)
        for key in keys { insert(key) }
    }

    package var count: Int { keys.count }

    /// The index of `key`, adding it if new.
    @discardableResult
    package mutating func insert(_ key: Key) -> Int32 {
        if let index = indexByKey[key] { return index }
        let index = Int32(keys.count)
        keys.append(key)
        indexByKey[key] = index
        return index
    }

    /// The index of `key`, or `nil` when it was never inserted.
    package func index(of key: Key) -> Int32? {
        indexByKey[key]
    }

    /// The key at `index`, or `nil` when out of range.
    package func key(at index: Int32) -> Key? {
        index >= 0 && Int(index) < keys.count ? keys[Int(index)] : nil
    }
}

// Lookups of string ids compiled here for `String`: called from another module, the generic
// versions above run unspecialized (hashing and copying the key through value witnesses), and a
// recommendation request makes a few hundred of them.
extension Vocabulary where Key == String {
    /// The index of `key`, or `nil` when it was never inserted.
    package func index(of key: String) -> Int32? {
        indexByKey[key]
    }

    /// The key at `index`, or `nil` when out of range.
    package func key(at index: Int32) -> String? {
        index >= 0 && Int(index) < keys.count ? keys[Int(index)] : nil
    }
}
