import NIOCore
import PostgresNIO

/// A `bytea[]` parameter holding vectors as little-endian Float32 bytes (SQLite's blob format),
/// written straight from the `[Float]` arrays into the message buffer: no intermediate buffer
/// per vector, and on little-endian machines one memory copy per vector rather than a write per
/// number (a write per number made a debug build spend seconds per 5,000-vector batch).
/// Binary array format as in ``NullableTextArray``.
struct Float32VectorArray: PostgresNonThrowingEncodable {
    var vectors: [[Float]]

    static var psqlType: PostgresDataType { .byteaArray }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(
        into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        writeArrayHeader(into: &buffer, count: vectors.count, hasNull: false, element: .bytea)
        buffer.reserveCapacity(minimumWritableBytes: vectors.reduce(0) { $0 + 4 + $1.count * 4 })
        for vector in vectors {
            buffer.writeInteger(Int32(vector.count * 4))
            #if _endian(little)
                // The array's memory is already the stored format: one copy per vector.
                vector.withUnsafeBytes { _ = buffer.writeBytes($0) }
            #else
                for value in vector { buffer.writeInteger(value.bitPattern, endianness: .little) }
            #endif
        }
    }

    /// The vector stored as `bytes` (its length a multiple of 4).
    static func vector(_ bytes: ByteBuffer) -> [Float] {
        bytes.withUnsafeReadableBytes { raw in
            let count = raw.count / 4
            return [Float](unsafeUninitializedCapacity: count) { out, initialized in
                #if _endian(little)
                    UnsafeMutableRawBufferPointer(out).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: raw[0..<count * 4]))
                #else
                    for i in 0..<count {
                        out[i] = Float(
                            bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                    }
                #endif
                initialized = count
            }
        }
    }
}
