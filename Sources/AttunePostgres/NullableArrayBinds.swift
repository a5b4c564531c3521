import NIOCore
import PostgresNIO

/// A `text[]` parameter whose elements may be NULL. postgres-nio encodes `[String]` but not
/// `[String?]`; batch inserts pass one array per column to `unnest`, and optional columns need
/// their NULLs. Binary array format: dimensions, has-null flag, element type, then per dimension
/// length and lower bound, then each element as a length (-1 for NULL) and its bytes.
struct NullableTextArray: PostgresNonThrowingEncodable {
    var elements: [String?]

    static var psqlType: PostgresDataType { .textArray }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        writeArrayHeader(into: &buffer, count: elements.count, hasNull: elements.contains(nil), element: .text)
        for element in elements {
            guard let element else {
                buffer.writeInteger(-1, as: Int32.self)
                continue
            }
            let lengthIndex = buffer.writerIndex
            buffer.writeInteger(0, as: Int32.self)
            let written = buffer.writeString(element)
            buffer.setInteger(Int32(written), at: lengthIndex)
        }
    }
}

/// A `float8[]` parameter whose elements may be NULL (see ``NullableTextArray``).
struct NullableDoubleArray: PostgresNonThrowingEncodable {
    var elements: [Double?]

    static var psqlType: PostgresDataType { .float8Array }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        writeArrayHeader(into: &buffer, count: elements.count, hasNull: elements.contains(nil), element: .float8)
        for element in elements {
            guard let element else {
                buffer.writeInteger(-1, as: Int32.self)
                continue
            }
            buffer.writeInteger(8, as: Int32.self)
            buffer.writeInteger(element.bitPattern)
        }
    }
}

/// An `int8[]` parameter whose elements may be NULL (see ``NullableTextArray``).
struct NullableInt64Array: PostgresNonThrowingEncodable {
    var elements: [Int64?]

    static var psqlType: PostgresDataType { .int8Array }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        writeArrayHeader(into: &buffer, count: elements.count, hasNull: elements.contains(nil), element: .int8)
        for element in elements {
            guard let element else {
                buffer.writeInteger(-1, as: Int32.self)
                continue
            }
            buffer.writeInteger(8, as: Int32.self)
            buffer.writeInteger(element)
        }
    }
}

func writeArrayHeader(into buffer: inout ByteBuffer, count: Int, hasNull: Bool, element: PostgresDataType) {
    // An empty array has zero dimensions and no dimension header.
    buffer.writeInteger(count == 0 ? 0 : 1, as: Int32.self)
    buffer.writeInteger(hasNull ? 1 : 0, as: Int32.self)
    buffer.writeInteger(element.rawValue)
    guard count > 0 else { return }
    buffer.writeInteger(Int32(count))
    buffer.writeInteger(1, as: Int32.self)
}
