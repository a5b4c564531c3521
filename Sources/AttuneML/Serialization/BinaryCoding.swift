/// Appends little-endian fields to a byte buffer: the building block of every model blob.
///
/// Blob layout shared by all models: 4-byte magic `ATML`, a 4-byte model tag, a `UInt16` format
/// version, then the model's own fields. Arrays are a `UInt64` count followed by the elements.
package struct BinaryWriter {
    package private(set) var bytes: [UInt8] = []

    package init() {}

    /// Starts a blob with the shared header.
    package init(tag: String, version: UInt16) {
        bytes.append(contentsOf: Array("ATML".utf8))
        let t = Array(tag.utf8)
        precondition(t.count == 4, "model tags are four ASCII bytes")
        bytes.append(contentsOf: t)
        write(version)
    }

    package mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func write(_ value: Float) { write(value.bitPattern) }
    package mutating func write(_ value: Double) { write(value.bitPattern) }

    package mutating func write(_ array: [Float]) {
        write(UInt64(array.count))
        bytes.reserveCapacity(bytes.count + array.count * 4)
        for v in array { write(v.bitPattern) }
    }

    package mutating func write(_ array: [Int32]) {
        write(UInt64(array.count))
        bytes.reserveCapacity(bytes.count + array.count * 4)
        for v in array { write(v) }
    }

    package mutating func write(_ array: [Int]) {
        write(UInt64(array.count))
        for v in array { write(Int64(v)) }
    }

    package mutating func write(_ matrix: DenseMatrix) {
        write(UInt64(matrix.rowCount))
        write(UInt64(matrix.columnCount))
        write(matrix.values)
    }

    package mutating func write(_ matrix: SparseMatrix) {
        write(UInt64(matrix.rowCount))
        write(UInt64(matrix.columnCount))
        write(matrix.rowOffsets)
        write(matrix.columnIndices)
        write(matrix.values)
    }
}

/// Reads what ``BinaryWriter`` wrote, checking every length against the remaining bytes.
package struct BinaryReader {
    private let bytes: [UInt8]
    private var offset = 0

    /// Opens a blob and checks its header.
    /// - Throws: `AttuneMLError.corruptData` on a wrong magic or tag,
    ///   `AttuneMLError.unsupportedVersion` on a version newer than `maxVersion`.
    package init(_ bytes: [UInt8], tag: String, maxVersion: UInt16) throws {
        self.bytes = bytes
        guard bytes.count >= 10, Array(bytes[0..<4]) == Array("ATML".utf8) else {
            throw AttuneMLError.corruptData("not a model blob")
        }
        guard Array(bytes[4..<8]) == Array(tag.utf8) else {
            throw AttuneMLError.corruptData("blob holds another kind of model")
        }
        offset = 8
        version = 0
        version = try read(UInt16.self)
        guard version >= 1, version <= maxVersion else {
            throw AttuneMLError.unsupportedVersion("format version \(version), supported up to \(maxVersion)")
        }
    }

    /// The format version found in the header.
    package private(set) var version: UInt16

    package var isAtEnd: Bool { offset == bytes.count }

    /// The offset of the next unread byte.
    package var position: Int { offset }

    /// Bytes not read yet.
    package var remainingBytes: Int { bytes.count - offset }

    package mutating func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else { throw AttuneMLError.corruptData("truncated at byte \(offset)") }
        var value: T = 0
        for k in 0..<size { value |= T(truncatingIfNeeded: bytes[offset + k]) << (8 * k) }
        offset += size
        return value
    }

    package mutating func readFloat() throws -> Float { Float(bitPattern: try read(UInt32.self)) }
    package mutating func readDouble() throws -> Double { Double(bitPattern: try read(UInt64.self)) }

    private mutating func readCount(elementSize: Int) throws -> Int {
        let n = try read(UInt64.self)
        guard n <= UInt64((bytes.count - offset) / elementSize) else {
            throw AttuneMLError.corruptData("array of \(n) elements exceeds the blob")
        }
        return Int(n)
    }

    package mutating func readFloats() throws -> [Float] {
        let n = try readCount(elementSize: 4)
        return readBulk(n) { Float(bitPattern: UInt32(littleEndian: $0)) }
    }

    package mutating func readInt32s() throws -> [Int32] {
        let n = try readCount(elementSize: 4)
        return readBulk(n) { Int32(littleEndian: $0) }
    }

    package mutating func readInts() throws -> [Int] {
        let n = try readCount(elementSize: 8)
        return readBulk(n) { Int(Int64(littleEndian: $0)) }
    }

    /// `n` little-endian `Raw` values (already checked to fit) converted element by element into
    /// an array allocated once at its final size: a model's factor matrices are most of a
    /// snapshot, so neither a second copy nor a growing buffer may stand between file and model.
    private mutating func readBulk<Raw: FixedWidthInteger, Element>(_ n: Int, _ convert: (Raw) -> Element) -> [Element] {
        let size = MemoryLayout<Raw>.size
        let start = offset
        let out = [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                let base = raw.baseAddress! + start
                for k in 0..<n {
                    buffer.initializeElement(at: k, to: convert(base.loadUnaligned(fromByteOffset: k * size, as: Raw.self)))
                }
            }
            initialized = n
        }
        offset += n * size
        return out
    }

    /// `n` raw bytes (checked against what remains), copied once.
    package mutating func readRawBytes(_ n: Int) throws -> [UInt8] {
        guard n >= 0, n <= bytes.count - offset else { throw AttuneMLError.corruptData("truncated at byte \(offset)") }
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }

    package mutating func readSize() throws -> Int {
        let n = try read(UInt64.self)
        guard n <= UInt64(Int32.max) else { throw AttuneMLError.corruptData("implausible size \(n)") }
        return Int(n)
    }

    package mutating func readDenseMatrix() throws -> DenseMatrix {
        let rows = try readSize()
        let cols = try readSize()
        let values = try readFloats()
        do {
            return try DenseMatrix(rowCount: rows, columnCount: cols, values: values)
        } catch {
            throw AttuneMLError.corruptData("dense matrix shape does not match its values")
        }
    }

    package mutating func readSparseMatrix() throws -> SparseMatrix {
        let rows = try readSize()
        let cols = try readSize()
        let offsets = try readInts()
        let indices = try readInt32s()
        let values = try readFloats()
        guard offsets.count == rows + 1, offsets.first == 0, offsets.last == indices.count,
              values.count == indices.count else {
            throw AttuneMLError.corruptData("sparse matrix arrays disagree")
        }
        for r in 0..<rows {
            guard offsets[r] <= offsets[r + 1] else { throw AttuneMLError.corruptData("row offsets decrease") }
            var previous: Int32 = -1
            for p in offsets[r]..<offsets[r + 1] {
                let c = indices[p]
                guard c > previous, Int(c) < cols else { throw AttuneMLError.corruptData("bad column index") }
                previous = c
            }
        }
        return SparseMatrix(rowCount: rows, columnCount: cols, rowOffsets: offsets, columnIndices: indices, values: values)
    }

    /// - Throws: `AttuneMLError.corruptData` when bytes remain.
    package func expectEnd() throws {
        guard isAtEnd else { throw AttuneMLError.corruptData("\(bytes.count - offset) trailing bytes") }
    }
}
