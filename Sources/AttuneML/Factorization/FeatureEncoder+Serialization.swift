extension FeatureEncoder {
    private static let tag = "FENC"

    /// A compact little-endian blob (see ``BinaryWriter``), stored beside the model it encodes for:
    /// a model is only meaningful with the same key-to-index map it was trained with.
    package func serialized() -> [UInt8] {
        var w = BinaryWriter(tag: Self.tag, version: 1)
        if isHashing {
            w.write(UInt8(1))
            w.write(UInt64(featureCount))
        } else {
            w.write(UInt8(0))
            w.write(UInt64(featureCount))
            for index in 0..<featureCount {
                let bytes = Array(key(at: Int32(index))!.utf8)
                w.write(UInt64(bytes.count))
                for b in bytes { w.write(b) }
            }
        }
        return w.bytes
    }

    /// - Throws: `AttuneMLError.corruptData` / `unsupportedVersion` on a bad blob.
    package init(serialized bytes: [UInt8]) throws {
        var r = try BinaryReader(bytes, tag: Self.tag, maxVersion: 1)
        let mode = try r.read(UInt8.self)
        let count = try r.readSize()
        switch mode {
        case 1:
            do { try self.init(hashingInto: count) } catch { throw AttuneMLError.corruptData("bad bucket count") }
        case 0:
            self.init()
            for _ in 0..<count {
                let length = try r.readSize()
                var utf8: [UInt8] = []
                utf8.reserveCapacity(length)
                for _ in 0..<length { utf8.append(try r.read(UInt8.self)) }
                let key = String(decoding: utf8, as: UTF8.self)
                let before = featureCount
                insert(key)
                guard featureCount == before + 1 else { throw AttuneMLError.corruptData("repeated feature key") }
            }
        default:
            throw AttuneMLError.corruptData("unknown encoder mode \(mode)")
        }
        try r.expectEnd()
    }
}
