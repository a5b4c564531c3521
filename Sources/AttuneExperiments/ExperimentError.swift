/// The one error family of `AttuneExperiments`: invalid input rejected at the boundary.
///
/// Codes are static members over a private enum so new codes can be added without breaking callers
/// that switch on them. Messages never contain user data, only parameter names and limits.
package struct ExperimentError: Error, Hashable, Sendable, CustomStringConvertible {
    fileprivate enum Code: String, Hashable, Sendable {
        case invalidArgument
        case invalidCount
        case invalidProbability
        case dimensionMismatch
    }

    /// A stable, machine-readable code.
    package struct ErrorCode: Hashable, Sendable, CustomStringConvertible {
        fileprivate let value: Code
        /// The code's stable name.
        package var description: String { value.rawValue }

        /// A parameter lies outside its documented domain.
        package static let invalidArgument = ErrorCode(value: .invalidArgument)
        /// A count is negative, or successes exceed trials.
        package static let invalidCount = ErrorCode(value: .invalidCount)
        /// A probability, rate or level lies outside its open or closed unit interval.
        package static let invalidProbability = ErrorCode(value: .invalidProbability)
        /// Parallel arrays or table rows have different lengths.
        package static let dimensionMismatch = ErrorCode(value: .dimensionMismatch)
    }

    /// What went wrong, for programs.
    package let code: ErrorCode
    /// What went wrong, for people; never holds user data.
    package let message: String
    /// The name of the offending parameter, if any.
    package let field: String?

    /// An error with a code, a message and the offending parameter.
    package init(_ code: ErrorCode, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// Code, message and field on one line.
    package var description: String {
        if let field { return "\(code): \(message) (\(field))" }
        return "\(code): \(message)"
    }

    static func invalidArgument(_ message: String, field: String) -> ExperimentError {
        ExperimentError(.invalidArgument, message, field: field)
    }

    static func invalidCount(_ message: String, field: String) -> ExperimentError {
        ExperimentError(.invalidCount, message, field: field)
    }

    static func invalidProbability(_ message: String, field: String) -> ExperimentError {
        ExperimentError(.invalidProbability, message, field: field)
    }

    static func dimensionMismatch(_ message: String, field: String) -> ExperimentError {
        ExperimentError(.dimensionMismatch, message, field: field)
    }
}
