import Testing

@testable import AttuneML

struct FeatureEncoderTests {
    @Test func vocabularyHandsOutIndicesInFirstSeenOrder() {
        var encoder = FeatureEncoder()
        let example = encoder.encode([FeatureEncoder.key("user", 42), "item=7", "device=mobile", "user=42"])
        #expect(example.indices == [0, 1, 2, 0])
        #expect(encoder.featureCount == 3)
        #expect(encoder.index(of: "hour=13") == nil)
        #expect(encoder.key(at: 1) == "item=7")
        #expect(encoder.encodeKnown(["hour=13", "item=7"], values: [1, 0.5]) == FeatureVector([(1, 0.5)]))
    }

    @Test func hashingIsStableAndInRange() throws {
        var encoder = try FeatureEncoder(hashingInto: 97)
        let a = encoder.insert("category=books")
        #expect(a == encoder.index(of: "category=books"))
        #expect(a >= 0 && a < 97)
        // FNV-1a of a fixed string: a changed hash would silently remap every saved model.
        #expect(FeatureEncoder.bucket(of: "price_band=2", buckets: 1000) == 575)
        #expect(encoder.featureCount == 97)
        #expect(throws: AttuneMLError.invalidArgument("")) { try FeatureEncoder(hashingInto: 0) }
    }

    @Test func encoderRoundTripsThroughBytes() throws {
        var vocabulary = FeatureEncoder()
        _ = vocabulary.encode(["user=1", "genre=Film-Noir", "occupation=écrivain"])
        let loaded = try FeatureEncoder(serialized: vocabulary.serialized())
        #expect(loaded.featureCount == 3)
        #expect(loaded.index(of: "occupation=écrivain") == 2)
        let hashing = try FeatureEncoder(serialized: FeatureEncoder(hashingInto: 1000).serialized())
        #expect(hashing.isHashing && hashing.featureCount == 1000)
        #expect(throws: AttuneMLError.corruptData("")) {
            try FeatureEncoder(serialized: Array(vocabulary.serialized().dropLast()))
        }
    }

    @Test func featureRowsKeepRowsAndCheckThem() throws {
        var rows = FeatureRows()
        rows.append(FeatureVector(ones: [3, 1]))
        rows.append(FeatureVector())
        rows.append(FeatureVector([(2, 0.5)]))
        #expect(rows.count == 3 && rows.entryCount == 3 && rows.maximumRowLength == 2)
        #expect(rows.offsets == [0, 2, 2, 3])
        #expect(rows[row: 0] == FeatureVector(ones: [3, 1]))
        #expect(throws: AttuneMLError.invalidArgument("")) { try rows.validate(featureCount: 4) }
        try rows.validate(featureCount: 4, allowEmptyRows: true)
        #expect(throws: AttuneMLError.indexOutOfRange("")) { try rows.validate(featureCount: 3, allowEmptyRows: true) }
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try FeatureRows(offsets: [0, 2, 1], indices: [0], values: [1])
        }
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try FeatureRows(offsets: [0, 1], indices: [0], values: [])
        }
    }
}
