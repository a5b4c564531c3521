/// The error family of the numeric module: a code plus a message free of personal data.
package struct AttuneMLError: Error, Equatable, CustomStringConvertible, Sendable {
    private enum Code: String, Sendable {
        case invalidArgument, indexOutOfRange, dimensionMismatch, corruptData, unsupportedVersion
    }

    private let code: Code
    /// Human-readable context (shapes, counts, offsets; never user data).
    package let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package static func invalidArgument(_ message: String) -> Self { Self(.invalidArgument, message) }
    package static func indexOutOfRange(_ message: String) -> Self { Self(.indexOutOfRange, message) }
    package static func dimensionMismatch(_ message: String) -> Self { Self(.dimensionMismatch, message) }
    package static func corruptData(_ message: String) -> Self { Self(.corruptData, message) }
    package static func unsupportedVersion(_ message: String) -> Self { Self(.unsupportedVersion, message) }

    /// A stable machine-readable code, e.g. `indexOutOfRange`.
    package var codeName: String { code.rawValue }

    /// Two errors are equal when their codes are; messages are context only.
    package static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    package var description: String { "\(code.rawValue): \(message)" }
}
