import AttuneML

/// The HNSW index of a factor model, stored beside its snapshot (`v<version>.index`) so that a
/// server loading the model reads the graph instead of spending minutes rebuilding it.
///
/// Layout (``BinaryWriter``, tag `ATIX`, version 1): item count, retrieval dimension, the
/// fingerprint of the model's item vectors, a checksum of the index blob, then the blob
/// (``HNSWIndex/serialized()``). The header is what ties the file to one model: a file left from
/// another training, cut short or damaged on disk fails one of the checks and the caller rebuilds.
package enum ModelIndexFile {
    static let tag = "ATIX"
    static let formatVersion: UInt16 = 1

    /// Why a stored index cannot serve a model.
    package struct Unusable: Error, CustomStringConvertible {
        package let description: String
    }

    /// The file's bytes for `index`, built over `itemCount` vectors with this `fingerprint`.
    package static func encode(_ index: HNSWIndex, itemCount: Int, fingerprint: UInt64) -> [UInt8] {
        let blob = index.serialized()
        var writer = BinaryWriter(tag: tag, version: formatVersion)
        writer.write(UInt64(itemCount))
        writer.write(UInt64(index.dimension))
        writer.write(fingerprint)
        writer.write(Checksum64.of(blob))
        writer.write(bytes: blob)
        return writer.bytes
    }

    /// The index in `bytes`, if it was built for `recommender`'s current item vectors.
    /// - Throws: ``Unusable`` naming the first check that failed (truncated or corrupt file, other
    ///   item count, dimension or factors).
    /// - Complexity: O(n (d + M)): a checksum and a fingerprint pass plus the index's own checks.
    package static func decode(_ bytes: [UInt8], for recommender: any Recommender) throws(Unusable) -> HNSWIndex {
        try decode(for: recommender) { try BinaryReader(bytes, tag: tag, maxVersion: formatVersion) }
    }

    /// The index in `file`, as ``decode(_:for:)``: the checksum is taken in 1 MiB pieces and the
    /// index's arrays are read straight into their final storage, so loading never holds the
    /// file's bytes beside the index.
    package static func decode(_ file: BinaryFile, for recommender: any Recommender) throws(Unusable) -> HNSWIndex {
        try decode(for: recommender) { try BinaryReader(file: file, tag: tag, maxVersion: formatVersion) }
    }

    private static func decode(for recommender: any Recommender, opening: () throws -> BinaryReader) throws(Unusable) -> HNSWIndex {
        guard let (vectors, dimension) = FactorRetrieval.vectors(of: recommender) else {
            throw Unusable(description: "the model has no item factors")
        }
        let itemCount = vectors.count / dimension
        do {
            var reader = try opening()
            let storedCount = Int(try reader.read(UInt64.self))
            let storedDimension = Int(try reader.read(UInt64.self))
            let storedFingerprint = try reader.read(UInt64.self)
            let checksum = try reader.read(UInt64.self)
            let length = try reader.read(UInt64.self)
            guard length == UInt64(reader.remainingBytes) else {
                throw AttuneMLError.corruptData(
                    length > UInt64(reader.remainingBytes) ? "truncated at byte \(reader.position)" : "trailing bytes after the index")
            }
            guard storedCount == itemCount else {
                throw Unusable(description: "index holds \(storedCount) items, the model \(itemCount)")
            }
            guard storedDimension == dimension else {
                throw Unusable(description: "index dimension \(storedDimension), the model's \(dimension)")
            }
            guard storedFingerprint == fingerprint(vectors) else {
                throw Unusable(description: "index was built from other item factors")
            }
            var sum = Checksum64()
            try reader.scanRemaining { sum.absorb($0) }
            guard sum.value == checksum else { throw Unusable(description: "index checksum mismatch") }
            let index = try HNSWIndex(continuing: reader)
            guard index.count == itemCount, index.dimension == dimension else {
                throw Unusable(description: "index contents disagree with its header")
            }
            // Scores are read as the model's (inner products), and live inserts assume its M.
            let wanted = FactorRetrieval.configuration
            guard index.metric == wanted.metric, index.configuration.neighbors == wanted.neighbors else {
                throw Unusable(
                    description: "index built with metric \(index.metric), M \(index.configuration.neighbors); serving needs \(wanted.metric), M \(wanted.neighbors)")
            }
            return index
        } catch let error as Unusable {
            throw error
        } catch {
            throw Unusable(description: "index file unreadable: \(error)")
        }
    }

    /// The fingerprint of a model's retrieval vectors (their bit patterns and count).
    package static func fingerprint(of recommender: any Recommender) -> UInt64? {
        FactorRetrieval.vectors(of: recommender).map { fingerprint($0.values) }
    }

    static func fingerprint(_ vectors: [Float]) -> UInt64 {
        vectors.withUnsafeBytes { Checksum64.of($0) } ^ UInt64(vectors.count)
    }
}

/// A fast 64-bit checksum (FNV-1a over 8-byte words, then a final avalanche) for integrity
/// checks of files this program wrote: not cryptographic, but every flipped or cut byte changes it.
struct Checksum64 {
    private var h: UInt64 = 0xcbf2_9ce4_8422_2325
    private var count = 0
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    static func of(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { of($0) }
    }

    static func of(_ buffer: UnsafeRawBufferPointer) -> UInt64 {
        var sum = Checksum64()
        sum.absorb(buffer)
        return sum.value
    }

    /// Adds the next bytes: every piece but the last must be a multiple of 8 bytes long, so that
    /// pieces give the checksum of the whole.
    mutating func absorb(_ buffer: UnsafeRawBufferPointer) {
        precondition(count % 8 == 0, "only the last piece may be shorter than a word")
        let words = buffer.count / 8
        var i = 0
        while i < words {
            h = (h ^ buffer.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)) &* Self.prime
            h ^= h >> 29
            i &+= 1
        }
        for j in (words * 8)..<buffer.count { h = (h ^ UInt64(buffer[j])) &* Self.prime }
        count += buffer.count
    }

    var value: UInt64 {
        // splitmix64's finaliser, so that nearby inputs differ in every bit.
        var h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31) ^ UInt64(count)
    }
}
