extension HNSWIndex {
    /// The bytes the index holds on the heap: its flat arrays at their capacities and the label
    /// table (a hash table of 8-byte entries, sized to a power of two at most 3/4 full). What a
    /// server's memory budget counts as "the index".
    package var memoryBytes: Int {
        let arrays = vectors.capacity * MemoryLayout<Float>.stride + labels.capacity * 4 + levels.capacity
            + links0.capacity * 4 + upperOffsets.capacity * 4 + upperLinks.capacity * 4 + deleted.capacity
        var buckets = 1
        while buckets * 3 < slotOfLabel.count * 4 { buckets *= 2 }
        // Entries plus one bit of occupancy per bucket.
        let table = slotOfLabel.isEmpty ? 0 : buckets * 8 + buckets / 8
        return arrays + table
    }
}
