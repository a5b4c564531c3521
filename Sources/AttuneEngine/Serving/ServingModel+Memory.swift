import AttuneML

/// What a served model holds in memory, by part: the figure a server's memory budget is stated
/// against (factors plus index) and everything else serving derives from the snapshot.
package struct ServingMemory: Sendable, Equatable {
    /// User and item factors (and item biases) of the factor models served: 4 bytes a value.
    package var factors: Int
    /// The HNSW retrieval index (vectors, links, label table); 0 without one.
    package var index: Int
    /// The id vocabularies (estimated: strings, arrays and hash tables).
    package var vocabularies: Int
    /// The training matrix and its transpose (CSR arrays).
    package var interactions: Int
    /// The rest: item similarity's normalised factors, the scan's copy of the item factors in norm
    /// order, popularity lists.
    package var derived: Int

    package var total: Int { factors + index + vocabularies + interactions + derived }
}

extension ServingModel {
    package var memory: ServingMemory {
        var factors = 0
        for component in snapshot.model.components {
            if let als = component as? ImplicitALS {
                factors += (als.userFactors.values.capacity + als.itemFactors.values.capacity) * 4
            } else if let bpr = component as? BPR {
                factors += (bpr.userFactors.values.capacity + bpr.itemFactors.values.capacity + bpr.itemBias.capacity) * 4
            }
        }
        let seen = snapshot.seen
        // The transpose has the same entries and one offset per item.
        let interactions = (seen.rowOffsets.capacity + seen.columnCount + 1) * 8 + 2 * (seen.columnIndices.capacity + seen.values.capacity) * 4
        let derived = similarity.ownedBytes + (scan?.ownedBytes ?? 0) + (popular.capacity + uncertain.capacity) * 4
        return ServingMemory(
            factors: factors, index: retrieval?.index.memoryBytes ?? 0,
            vocabularies: Self.bytes(of: snapshot.users) + Self.bytes(of: snapshot.items), interactions: interactions,
            derived: derived)
    }

    /// A vocabulary's keys (16 bytes each, plus a heap copy of keys longer than 15 UTF-8 bytes)
    /// and its index table (key and `Int32` per bucket, power-of-two buckets at most 3/4 full).
    static func bytes(of vocabulary: Vocabulary<String>) -> Int {
        var strings = 0
        for key in vocabulary.keys {
            let count = key.utf8.count
            if count > 15 { strings += 32 + (count + 15) / 16 * 16 }
        }
        var buckets = 1
        while buckets * 3 < vocabulary.count * 4 { buckets *= 2 }
        return vocabulary.keys.capacity * 16 + strings + (vocabulary.count > 0 ? buckets * 20 + buckets / 8 : 0)
    }
}
