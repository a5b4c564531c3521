import AttuneCore
import Hummingbird
import NIOCore

extension Request {
    /// How long a body may take to arrive: a client that trickles its body is cut off with 408
    /// instead of holding a connection and a request slot indefinitely.
    package static let bodyTimeout: Duration = .seconds(30)

    /// Reads and parses a JSON body of at most `limit` bytes.
    /// - Throws: `AttuneError` `unsupportedMediaType` (415), `payloadTooLarge` (413),
    ///   `malformedJSON` / `invalidUTF8` (400); `APIError` 408 when the body does not arrive within
    ///   `timeout`. With `allowEmpty`, an empty body reads as `null` (a body that is optional).
    package func jsonBody(limit: Int, timeout: Duration = Request.bodyTimeout, allowEmpty: Bool = false) async throws
        -> JSONValue
    {
        if let type = headers[.contentType], !Self.isJSON(type) {
            throw AttuneError(
                code: .unsupportedMediaType, message: "the body must be JSON in UTF-8 (Content-Type: application/json)")
        }
        if let declared = headers[.contentLength].flatMap(Int.init), declared > limit {
            throw AttuneError.tooLarge("the body is larger than \(limit) bytes")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await collectBody(upTo: limit, timeout: timeout)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw AttuneError.tooLarge("the body is larger than \(limit) bytes")
        } catch is NIOTooManyBytesError {
            throw AttuneError.tooLarge("the body is larger than \(limit) bytes")
        }
        guard buffer.readableBytes > 0 else {
            if allowEmpty { return .null }
            throw AttuneError.malformedJSON("the body is empty")
        }
        return try buffer.withUnsafeReadableBytes { raw throws(AttuneError) -> JSONValue in
            try JSONParser().parse(raw.bindMemory(to: UInt8.self))
        }
    }

    private func collectBody(upTo limit: Int, timeout: Duration) async throws -> ByteBuffer {
        let body = self.body
        return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await body.collect(upTo: limit) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard case .some(.some(let buffer)) = try await group.next() else {
                throw APIError(
                    status: .requestTimeout, code: "request_timeout",
                    message: "the request body did not arrive within \(timeout.components.seconds) s")
            }
            return buffer
        }
    }

    /// `application/json` or a `+json` type, in UTF-8 when a charset is named. A body declared as
    /// something else (a form, text, UTF-16) would otherwise be read as if it were JSON in UTF-8;
    /// a body with no Content-Type at all is taken as JSON, for the simplest clients.
    static func isJSON(_ contentType: String) -> Bool {
        let parts = contentType.lowercased().split(separator: ";").map { part in
            part.filter { $0 != " " && $0 != "\t" && $0 != "\"" }
        }
        guard let type = parts.first,
            type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
        else { return false }
        for parameter in parts.dropFirst() where parameter.hasPrefix("charset=") {
            guard parameter == "charset=utf-8" || parameter == "charset=utf8" else { return false }
        }
        return true
    }
}

/// Query-string parsing with clear errors for hostile values.
package enum QueryParameters {
    package static func limit(_ request: Request, default defaultValue: Int = 100, max: Int = 1_000) throws(AttuneError) -> Int {
        guard let raw = try string(request, "limit") else { return defaultValue }
        guard let value = Int(raw), value >= 1, value <= max else {
            throw .invalid("limit", "must be an integer from 1 to \(max)")
        }
        return value
    }

    /// The value of a parameter given at most once. A repeated one (`count=5&count=0`) is refused
    /// rather than resolved: taking either copy would leave the other unvalidated and the client's
    /// intent unknown.
    package static func string(_ request: Request, _ name: String) throws(AttuneError) -> String? {
        try ParsedQuery(request).string(name)
    }

    /// Every value of a repeated parameter (`boost=...&boost=...`), in order.
    package static func strings(_ request: Request, _ name: String) -> [String] {
        ParsedQuery(request).strings(name)
    }
}
