import AttuneCore
import Foundation
import Hummingbird
import NIOCore

/// `application/x-www-form-urlencoded` bodies of the dashboard's forms.
enum FormBody {
    /// The forms hold a key and a token: a few hundred bytes.
    static let maxBytes = 4_096

    /// The fields of a small form body; a repeated field keeps its first value.
    /// - Throws: `AttuneError` for another media type (415), a larger body (413), or bytes that
    ///   are not UTF-8 once decoded (400).
    static func fields(of request: Request) async throws -> [String: String] {
        if let type = request.headers[.contentType],
            type.lowercased().split(separator: ";").first?.trimmingCharacters(in: .whitespaces) != "application/x-www-form-urlencoded"
        {
            throw AttuneError(code: .unsupportedMediaType, message: "the form must be application/x-www-form-urlencoded")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch {
            throw AttuneError.tooLarge("the form is larger than \(maxBytes) bytes")
        }
        return try parse(Array(buffer.readableBytesView))
    }

    static func parse(_ bytes: [UInt8]) throws(AttuneError) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(parts[0])
            let value = parts.count > 1 ? try decode(parts[1]) : ""
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    private static func decode(_ raw: ArraySlice<UInt8>) throws(AttuneError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            let byte = raw[i]
            if byte == UInt8(ascii: "+") {
                out.append(0x20)
            } else if byte == UInt8(ascii: "%"), i + 2 < raw.endIndex, let high = hex(raw[i + 1]), let low = hex(raw[i + 2]) {
                out.append(high << 4 | low)
                i += 2
            } else {
                out.append(byte)
            }
            i += 1
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw AttuneError.invalidUTF8("a form field is not valid UTF-8")
        }
        return text
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
