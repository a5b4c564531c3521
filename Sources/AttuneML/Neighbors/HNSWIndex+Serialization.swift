extension HNSWIndex {
    static let tag = "HNSW"
    static let formatVersion: UInt16 = 1

    /// The index as a blob for the model snapshot (``BinaryWriter`` layout, tag `HNSW`, version 1):
    /// configuration, generator state, entry point, then the flat arrays as stored.
    /// - Complexity: O(n (d + M)).
    package func serialized() -> [UInt8] {
        var w = BinaryWriter(tag: Self.tag, version: Self.formatVersion)
        w.write(metric.rawValue)
        w.write(UInt64(dimension))
        w.write(UInt64(configuration.neighbors))
        w.write(UInt64(configuration.efConstruction))
        w.write(UInt64(configuration.efSearch))
        w.write(configuration.seed)
        w.write(generator.state)
        w.write(entryPoint)
        w.write(Int32(maxLevel))
        w.write(labels)
        w.write(levels.map { Int32($0) })
        w.write(deleted.indices.filter { deleted[$0] }.map { Int32($0) })
        w.write(vectors)
        w.write(links0)
        w.write(upperLinks)
        return w.bytes
    }

    /// Restores an index written by ``serialized()``; searches give identical results.
    ///
    /// Every id and count is checked, so a damaged blob cannot make a search read out of bounds.
    /// - Throws: `AttuneMLError.corruptData` on any inconsistency, `AttuneMLError.unsupportedVersion`
    ///   for a newer format.
    /// - Complexity: O(n (d + M)).
    package init(serialized bytes: [UInt8]) throws {
        try self.init(reading: try BinaryReader(bytes, tag: Self.tag, maxVersion: Self.formatVersion))
    }

    /// Restores the index blob that starts where `reader` stands and ends its bytes or file: from
    /// a file, the vectors and lists are read straight into their final storage.
    package init(continuing reader: BinaryReader) throws {
        try self.init(reading: try BinaryReader(continuing: reader, tag: Self.tag, maxVersion: Self.formatVersion))
    }

    private init(reading reader: BinaryReader) throws {
        var r = reader
        guard let metric = VectorMetric(rawValue: try r.read(UInt8.self)) else {
            throw AttuneMLError.corruptData("unknown metric")
        }
        let dimension = try r.readSize()
        var configuration = Configuration(metric: metric)
        configuration.neighbors = try r.readSize()
        configuration.efConstruction = try r.readSize()
        configuration.efSearch = try r.readSize()
        configuration.seed = try r.read(UInt64.self)
        do {
            try self.init(dimension: dimension, configuration: configuration)
        } catch {
            throw AttuneMLError.corruptData("stored configuration is invalid")
        }
        generator = SeededGenerator(seed: try r.read(UInt64.self))
        let entry = try r.read(Int32.self)
        let top = Int(try r.read(Int32.self))
        let labels = try r.readInt32s()
        let levels = try r.readInt32s()
        let deletedSlots = try r.readInt32s()
        // Read into huge-page-advised storage (see LargeArrayStorage), kept as they are.
        let vectors = try r.readFloats(prepare: LargeArrayStorage.advise)
        let links0 = try r.readInt32s(prepare: LargeArrayStorage.advise)
        let upperLinks = try r.readInt32s()
        try r.expectEnd()

        let n = labels.count
        let (m, m0) = (maxNeighbors, maxNeighbors0)
        guard levels.count == n, vectors.count == n * dimension, links0.count == n * (m0 + 1) else {
            throw AttuneMLError.corruptData("array lengths disagree with \(n) nodes")
        }
        guard vectors.allSatisfy(\.isFinite) else { throw AttuneMLError.corruptData("non-finite vector value") }
        var offsets = [Int32](repeating: -1, count: n)
        var upperSize = 1
        for i in 0..<n {
            let level = Int(levels[i])
            guard (0...Self.maxLevelCap).contains(level) else { throw AttuneMLError.corruptData("bad level") }
            if level > 0 {
                offsets[i] = Int32(upperSize)
                upperSize += level * (m + 1)
            }
        }
        guard upperLinks.count == upperSize else {
            throw AttuneMLError.corruptData("upper lists have the wrong length")
        }
        if n == 0 {
            guard entry == -1, top == -1 else { throw AttuneMLError.corruptData("empty index with an entry point") }
        } else {
            guard entry >= 0, Int(entry) < n, Int(levels[Int(entry)]) == top else {
                throw AttuneMLError.corruptData("bad entry point")
            }
        }
        func checkList(_ list: ArraySlice<Int32>, capacity: Int) throws {
            let c = Int(list[list.startIndex])
            guard (0...capacity).contains(c) else { throw AttuneMLError.corruptData("bad neighbour count") }
            for id in list.dropFirst().prefix(c) where id < 0 || Int(id) >= n {
                throw AttuneMLError.corruptData("neighbour id out of range")
            }
        }
        for i in 0..<n {
            try checkList(links0[(i * (m0 + 1))..<((i + 1) * (m0 + 1))], capacity: m0)
            let level = Int(levels[i])
            for l in 0..<level {
                let start = Int(offsets[i]) + l * (m + 1)
                try checkList(upperLinks[start..<(start + m + 1)], capacity: m)
            }
        }
        var deleted = [Bool](repeating: false, count: n)
        for slot in deletedSlots {
            guard slot >= 0, Int(slot) < n, !deleted[Int(slot)] else {
                throw AttuneMLError.corruptData("bad deleted slot")
            }
            deleted[Int(slot)] = true
        }
        var slotOfLabel = [Int32: Int32](minimumCapacity: n - deletedSlots.count)
        for i in 0..<n where !deleted[i] {
            guard labels[i] >= 0, slotOfLabel.updateValue(Int32(i), forKey: labels[i]) == nil else {
                throw AttuneMLError.corruptData("bad or repeated label")
            }
        }
        self.labels = labels
        self.levels = levels.map { UInt8($0) }
        self.vectors = vectors
        self.links0 = links0
        self.upperOffsets = offsets
        self.upperLinks = upperLinks
        self.deleted = deleted
        self.deletedCount = deletedSlots.count
        self.slotOfLabel = slotOfLabel
        var tombstones: [Int32: Int32] = [:]
        for slot in deletedSlots.sorted() where slotOfLabel[labels[Int(slot)]] == nil {
            tombstones[labels[Int(slot)]] = slot
        }
        self.tombstoneOfLabel = tombstones
        self.entryPoint = entry
        self.maxLevel = top
    }
}
