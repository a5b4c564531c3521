extension FactorizationMachine {
    private static let tag = "FMCH"

    /// A compact little-endian blob (see ``BinaryWriter``): configuration, parameters and layout.
    package func serialized() -> [UInt8] {
        var w = BinaryWriter(tag: Self.tag, version: 1)
        let c = configuration
        w.write(Int64(c.factors))
        w.write(c.learningRate)
        w.write(c.regularization)
        w.write(c.linearRegularization)
        w.write(c.biasRegularization)
        w.write(Int64(c.iterations))
        w.write(Int64(c.negativeSamples))
        w.write(c.initialStandardDeviation)
        w.write(c.loss.rawValue)
        w.write(c.seed)
        w.write(Int64(featureCount))
        w.write(bias)
        w.write(linear)
        w.write(featureFactors)
        for rows in [layout.users, layout.items] {
            w.write(rows.offsets)
            w.write(rows.indices)
            w.write(rows.values)
        }
        w.write(layout.context.indices)
        w.write(layout.context.values)
        return w.bytes
    }

    /// - Throws: `AttuneMLError.corruptData` / `unsupportedVersion` on a bad blob.
    package init(serialized bytes: [UInt8]) throws {
        var r = try BinaryReader(bytes, tag: Self.tag, maxVersion: 1)
        let factors = Int(try r.read(Int64.self))
        let learningRate = try r.readFloat()
        let regularization = try r.readFloat()
        let linearRegularization = try r.readFloat()
        let biasRegularization = try r.readFloat()
        let iterations = Int(try r.read(Int64.self))
        let negativeSamples = Int(try r.read(Int64.self))
        let initialStandardDeviation = try r.readFloat()
        guard let loss = Loss(rawValue: try r.read(UInt8.self)) else { throw AttuneMLError.corruptData("unknown loss") }
        let seed = try r.read(UInt64.self)
        let configuration = Configuration(
            factors: factors, learningRate: learningRate, regularization: regularization,
            linearRegularization: linearRegularization, biasRegularization: biasRegularization, iterations: iterations,
            negativeSamples: negativeSamples, initialStandardDeviation: initialStandardDeviation, loss: loss, seed: seed
        )
        let featureCount = Int(try r.read(Int64.self))
        let bias = try r.readFloat()
        let linear = try r.readFloats()
        let featureFactors = try r.readDenseMatrix()
        var rows: [FeatureRows] = []
        for _ in 0..<2 {
            let offsets = try r.readInts()
            let indices = try r.readInt32s()
            let values = try r.readFloats()
            do {
                rows.append(try FeatureRows(offsets: offsets, indices: indices, values: values))
            } catch {
                throw AttuneMLError.corruptData("feature rows disagree")
            }
        }
        let contextIndices = try r.readInt32s()
        let contextValues = try r.readFloats()
        try r.expectEnd()
        do {
            let context = try FeatureVector(indices: contextIndices, values: contextValues)
            try self.init(
                configuration: configuration, featureCount: featureCount,
                layout: FactorizationLayout(users: rows[0], items: rows[1], context: context),
                bias: bias, linear: linear, featureFactors: featureFactors)
        } catch {
            throw AttuneMLError.corruptData("stored model is inconsistent: \(error)")
        }
    }
}
