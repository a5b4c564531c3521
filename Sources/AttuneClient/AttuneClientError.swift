/// Why the client refused a call; nothing is queued when it throws.
public struct AttuneClientError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable, Hashable {
        case invalidValue = "invalid_value"
        case storage
    }

    private let code: Code
    /// The argument at fault, when there is one.
    public let field: String?
    public let message: String

    public static func invalid(_ field: String, _ message: String) -> AttuneClientError {
        AttuneClientError(code: .invalidValue, field: field, message: message)
    }

    static func storage(_ message: String) -> AttuneClientError {
        AttuneClientError(code: .storage, field: nil, message: message)
    }

    public static func == (lhs: AttuneClientError, rhs: AttuneClientError) -> Bool {
        lhs.code == rhs.code && lhs.field == rhs.field
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(field)
    }

    public var codeName: String { code.rawValue }
    public var description: String { field.map { "\(code.rawValue) (\($0)): \(message)" } ?? "\(code.rawValue): \(message)" }
}
