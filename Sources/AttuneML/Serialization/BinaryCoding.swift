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

/// Reads what ``BinaryWriter`` wrote, checking every length against the remaining bytes: from an
/// array in memory, or from a ``BinaryFile`` whose large arrays are read straight into their
/// final buffers.
package struct BinaryReader {
    private let bytes: [UInt8]
    private let file: BinaryFile?
    private let end: Int
    private var offset = 0

    /// Opens a blob and checks its header.
    /// - Throws: `AttuneMLError.corruptData` on a wrong magic or tag,
    ///   `AttuneMLError.unsupportedVersion` on a version newer than `maxVersion`.
    package init(_ bytes: [UInt8], tag: String, maxVersion: UInt16) throws {
        self.init(bytes: bytes)
        try openBlob(tag: tag, maxVersion: maxVersion)
    }

    /// Opens a blob that fills `file` and checks its header, as ``init(_:tag:maxVersion:)``.
    package init(file: BinaryFile, tag: String, maxVersion: UInt16) throws {
        (bytes, self.file, end, version) = ([], file, file.size, 0)
        try openBlob(tag: tag, maxVersion: maxVersion)
    }

    /// Reads `bytes` with no header (see ``BinaryWriter/init()``); ``version`` is 0.
    package init(bytes: [UInt8]) {
        (self.bytes, file, end, version) = (bytes, nil, bytes.count, 0)
    }

    /// A reader of the blob that starts where `outer` stands and runs to its end (a nested model
    /// at the end of a snapshot): the same bytes or file, no copy. Checks the blob's header.
    package init(continuing outer: BinaryReader, tag: String, maxVersion: UInt16) throws {
        self = outer
        version = 0
        try openBlob(tag: tag, maxVersion: maxVersion)
    }

    private mutating func openBlob(tag: String, maxVersion: UInt16) throws {
        guard remainingBytes >= 10, try peek(4) == Array("ATML".utf8) else {
            throw AttuneMLError.corruptData("not a model blob")
        }
        offset += 4
        guard try peek(4) == Array(tag.utf8) else {
            throw AttuneMLError.corruptData("blob holds another kind of model")
        }
        offset += 4
        version = try read(UInt16.self)
        guard version >= 1, version <= maxVersion else {
            throw AttuneMLError.unsupportedVersion("format version \(version), supported up to \(maxVersion)")
        }
    }

    /// The format version found in the header.
    package private(set) var version: UInt16

    package var isAtEnd: Bool { offset == end }

    /// The offset of the next unread byte.
    package var position: Int { offset }

    /// Bytes not read yet.
    package var remainingBytes: Int { end - offset }

    /// The next `count` bytes (at most what remains), without moving past them.
    package func peek(_ count: Int) throws -> [UInt8] {
        let n = min(max(count, 0), remainingBytes)
        guard let file else { return Array(bytes[offset..<offset + n]) }
        return try [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
            if n > 0 { try file.copy(into: buffer.baseAddress!, from: offset, count: n) }
            initialized = n
        }
    }

    package mutating func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= end else { throw AttuneMLError.corruptData("truncated at byte \(offset)") }
        var value: T = 0
        if let file {
            try withUnsafeMutableBytes(of: &value) { try file.copy(into: $0.baseAddress!, from: offset, count: size) }
            value = T(littleEndian: value)
        } else {
            for k in 0..<size { value |= T(truncatingIfNeeded: bytes[offset + k]) << (8 * k) }
        }
        offset += size
        return value
    }

    package mutating func readFloat() throws -> Float { Float(bitPattern: try read(UInt32.self)) }
    package mutating func readDouble() throws -> Double { Double(bitPattern: try read(UInt64.self)) }

    private mutating func readCount(elementSize: Int) throws -> Int {
        let n = try read(UInt64.self)
        guard n <= UInt64((end - offset) / elementSize) else {
            throw AttuneMLError.corruptData("array of \(n) elements exceeds the blob")
        }
        return Int(n)
    }

    /// - Parameter prepare: called on the array's storage before it is filled (to advise the
    ///   kernel about the pages, say).
    package mutating func readFloats(prepare: (UnsafeMutableRawBufferPointer) -> Void = { _ in }) throws -> [Float] {
        let n = try readCount(elementSize: 4)
        return try readBulk(n, prepare) { Float(bitPattern: UInt32(littleEndian: $0)) }
    }

    package mutating func readInt32s(prepare: (UnsafeMutableRawBufferPointer) -> Void = { _ in }) throws -> [Int32] {
        let n = try readCount(elementSize: 4)
        return try readBulk(n, prepare) { Int32(littleEndian: $0) }
    }

    package mutating func readInts() throws -> [Int] {
        let n = try readCount(elementSize: 8)
        return try readBulk(n, { _ in }) { Int(Int64(littleEndian: $0)) }
    }

    /// `n` little-endian `Raw` values (already checked to fit) converted element by element into
    /// an array allocated once at its final size: a model's factor matrices are most of a
    /// snapshot, so neither a second copy nor a growing buffer may stand between file and model.
    /// From a file, the bytes are read into the array's own storage and converted in place.
    private mutating func readBulk<Raw: FixedWidthInteger, Element: BitwiseCopyable>(
        _ n: Int, _ prepare: (UnsafeMutableRawBufferPointer) -> Void, _ convert: (Raw) -> Element
    ) throws -> [Element] {
        let size = MemoryLayout<Raw>.size
        let start = offset
        let out = try [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            guard n > 0, let target = buffer.baseAddress else { return }
            let raw = UnsafeMutableRawPointer(target)
            prepare(UnsafeMutableRawBufferPointer(start: raw, count: n * MemoryLayout<Element>.stride))
            if let file {
                precondition(MemoryLayout<Element>.stride == size, "in-place conversion needs equal sizes")
                try file.copy(into: raw, from: start, count: n * size)
                for k in 0..<n {
                    let value = convert(raw.loadUnaligned(fromByteOffset: k &* size, as: Raw.self))
                    raw.storeBytes(of: value, toByteOffset: k &* size, as: Element.self)
                }
            } else {
                bytes.withUnsafeBytes { source in
                    let base = source.baseAddress! + start
                    for k in 0..<n {
                        buffer.initializeElement(at: k, to: convert(base.loadUnaligned(fromByteOffset: k &* size, as: Raw.self)))
                    }
                }
            }
            initialized = n
        }
        offset += n * size
        return out
    }

    /// Hands the bytes not read yet to `body`, in order, in pieces of a multiple of 8 bytes (the
    /// last excepted): from a file, through one 1 MiB buffer. Does not move the reader.
    package func scanRemaining(_ body: (UnsafeRawBufferPointer) -> Void) throws {
        guard let file else {
            bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }
            return
        }
        let chunk = 1 << 20
        var scratch = [UInt8](repeating: 0, count: min(chunk, remainingBytes))
        var at = offset
        while at < end {
            let n = min(chunk, end - at)
            try scratch.withUnsafeMutableBytes { buffer in
                try file.copy(into: buffer.baseAddress!, from: at, count: n)
                body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            }
            at += n
        }
    }

    /// `n` raw bytes (checked against what remains), copied once.
    package mutating func readRawBytes(_ n: Int) throws -> [UInt8] {
        guard n >= 0, n <= end - offset else { throw AttuneMLError.corruptData("truncated at byte \(offset)") }
        let out = try peek(n)
        offset += n
        return out
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
        guard isAtEnd else { throw AttuneMLError.corruptData("\(end - offset) trailing bytes") }
    }
}
