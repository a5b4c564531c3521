import AttuneCore
import Hummingbird
import NIOCore

extension Request {
    /// Reads and parses a JSON body of at most `limit` bytes.
    /// - Throws: `AttuneError` `payloadTooLarge` (413), `malformedJSON` / `invalidUTF8` (400).
    package func jsonBody(limit: Int) async throws -> JSONValue {
        if let declared = headers[.contentLength].flatMap(Int.init), declared > limit {
            throw AttuneError.tooLarge("the body is larger than \(limit) bytes")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw AttuneError.tooLarge("the body is larger than \(limit) bytes")
        } catch is NIOTooManyBytesError {
            throw AttuneError.tooLarge("the body is larger than \(limit) bytes")
        }
        guard buffer.readableBytes > 0 else { throw AttuneError.malformedJSON("the body is empty") }
        return try buffer.withUnsafeReadableBytes { raw throws(AttuneError) -> JSONValue in
            try JSONParser().parse(raw.bindMemory(to: UInt8.self))
        }
    }
}

/// Query-string parsing with clear errors for hostile values.
package enum QueryParameters {
    package static func limit(_ request: Request, default defaultValue: Int = 100, max: Int = 1_000) throws(AttuneError) -> Int {
        guard let raw = request.uri.queryParameters.get("limit") else { return defaultValue }
        guard let value = Int(raw), value >= 1, value <= max else {
            throw .invalid("limit", "must be an integer from 1 to \(max)")
        }
        return value
    }

    package static func string(_ request: Request, _ name: String) -> String? {
        request.uri.queryParameters.get(name)
    }

    /// Every value of a repeated parameter (`boost=...&boost=...`), in order.
    package static func strings(_ request: Request, _ name: String) -> [String] {
        request.uri.queryParameters[values: name[...]].map(String.init)
    }
}
