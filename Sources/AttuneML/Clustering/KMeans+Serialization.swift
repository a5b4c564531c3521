extension KMeans {
    private static let tag = "KMNS"

    /// A compact little-endian blob with the hyper-parameters, centroids, inertia and iteration
    /// count; see ``BinaryWriter``.
    package func serialized() -> [UInt8] {
        var w = BinaryWriter(tag: Self.tag, version: 1)
        w.write(Int64(configuration.clusterCount))
        w.write(Int64(configuration.restarts))
        w.write(Int64(configuration.maxIterations))
        w.write(configuration.tolerance)
        w.write(configuration.seed)
        w.write(inertia)
        w.write(Int64(iterations))
        w.write(centroids)
        return w.bytes
    }

    /// - Throws: `AttuneMLError.corruptData` / `unsupportedVersion` on a bad blob, and what
    ///   ``init(configuration:centroids:inertia:iterations:)`` throws for inconsistent fields.
    package init(serialized bytes: [UInt8]) throws {
        var r = try BinaryReader(bytes, tag: Self.tag, maxVersion: 1)
        let k = Int(try r.read(Int64.self))
        let restarts = Int(try r.read(Int64.self))
        let maxIterations = Int(try r.read(Int64.self))
        let tolerance = try r.readFloat()
        let seed = try r.read(UInt64.self)
        let inertia = try r.readDouble()
        let iterations = Int(try r.read(Int64.self))
        let centroids = try r.readDenseMatrix()
        try r.expectEnd()
        try self.init(
            configuration: Configuration(
                clusterCount: k, restarts: restarts, maxIterations: maxIterations, tolerance: tolerance, seed: seed),
            centroids: centroids, inertia: inertia, iterations: iterations)
    }
}
