/// The one error family of Attune's domain and store.
///
/// A code says what went wrong in a way a client can branch on; `field` names the offending input
/// by its path (`batch[3].timestamp`). Messages never contain personal data: they describe the
/// shape of the problem, not the value.
package struct AttuneError: Error, Sendable, Equatable, CustomStringConvertible {
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case malformedJSON = "malformed_json"
            case invalidUTF8 = "invalid_utf8"
            case invalidValue = "invalid_value"
            case missingField = "missing_field"
            case payloadTooLarge = "payload_too_large"
            case unsupportedMediaType = "unsupported_media_type"
            case notFound = "not_found"
            case unauthorized = "unauthorized"
            case forbidden = "forbidden"
            case conflict = "conflict"
            case storage = "storage_error"
            case badRequest = "bad_request"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        package static let malformedJSON = Code(.malformedJSON)
        package static let invalidUTF8 = Code(.invalidUTF8)
        package static let invalidValue = Code(.invalidValue)
        package static let missingField = Code(.missingField)
        package static let payloadTooLarge = Code(.payloadTooLarge)
        package static let unsupportedMediaType = Code(.unsupportedMediaType)
        package static let notFound = Code(.notFound)
        package static let unauthorized = Code(.unauthorized)
        package static let forbidden = Code(.forbidden)
        package static let conflict = Code(.conflict)
        package static let storage = Code(.storage)
        package static let badRequest = Code(.badRequest)

        package var description: String { base.rawValue }
    }

    package var code: Code
    package var message: String
    package var field: String?

    package init(code: Code, message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    package var description: String {
        if let field { return "\(code): \(message) (\(field))" }
        return "\(code): \(message)"
    }

    /// `field: message`, for reports that list problems line by line.
    package var reportText: String {
        field.map { "\($0): \(message)" } ?? message
    }

    /// The same error with its field path placed under `prefix` (`batch[2]` + `timestamp`).
    package func nested(under prefix: String) -> AttuneError {
        var copy = self
        if let field {
            copy.field = field.hasPrefix("[") ? prefix + field : prefix + "." + field
        } else {
            copy.field = prefix
        }
        return copy
    }

    package static func malformedJSON(_ message: String) -> AttuneError {
        AttuneError(code: .malformedJSON, message: message)
    }

    package static func invalidUTF8(_ message: String) -> AttuneError {
        AttuneError(code: .invalidUTF8, message: message)
    }

    package static func invalid(_ field: String, _ message: String) -> AttuneError {
        AttuneError(code: .invalidValue, message: message, field: field)
    }

    package static func missing(_ field: String) -> AttuneError {
        AttuneError(code: .missingField, message: "\(field) is required", field: field)
    }

    package static func notFound(_ what: String) -> AttuneError {
        AttuneError(code: .notFound, message: "\(what) not found")
    }

    package static func tooLarge(_ message: String) -> AttuneError {
        AttuneError(code: .payloadTooLarge, message: message)
    }
}
