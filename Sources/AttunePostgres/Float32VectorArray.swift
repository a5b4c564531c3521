import NIOCore
import PostgresNIO

/// A `bytea[]` parameter holding vectors as little-endian Float32 bytes (SQLite's blob format),
/// written straight from the `[Float]` arrays into the message buffer: no intermediate buffer
/// per vector. Binary array format as in ``NullableTextArray``.
struct Float32VectorArray: PostgresNonThrowingEncodable {
    var vectors: [[Float]]

    static var psqlType: PostgresDataType { .byteaArray }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        writeArrayHeader(into: &buffer, count: vectors.count, hasNull: false, element: .bytea)
        buffer.reserveCapacity(minimumWritableBytes: vectors.reduce(0) { $0 + 4 + $1.count * 4 })
        for vector in vectors {
            buffer.writeInteger(Int32(vector.count * 4))
            for value in vector { buffer.writeInteger(value.bitPattern, endianness: .little) }
        }
    }

    /// The vector stored as `bytes` (its length a multiple of 4).
    static func vector(_ bytes: ByteBuffer) -> [Float] {
        bytes.withUnsafeReadableBytes { raw in
            let count = raw.count / 4
            return [Float](unsafeUninitializedCapacity: count) { out, initialized in
                for i in 0..<count {
                    out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                }
                initialized = count
            }
        }
    }
}
