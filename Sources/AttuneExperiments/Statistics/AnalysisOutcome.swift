/// Why an analysis could not produce a number.
package struct NotEnoughData: Hashable, Sendable, CustomStringConvertible {
    private enum Reason: String, Hashable, Sendable {
        case noTraffic, singleVariant, noVariance, tooFewObservations, missingData, zeroBaseline
    }

    private let reason: Reason
    /// The reason's stable name.
    package var description: String { reason.rawValue }

    /// An arm (or the whole experiment) has no units.
    package static let noTraffic = NotEnoughData(reason: .noTraffic)
    /// Fewer than two arms were given, so there is nothing to compare.
    package static let singleVariant = NotEnoughData(reason: .singleVariant)
    /// Every observation is identical (e.g. all-zero or all-one conversions), so the variance is zero.
    package static let noVariance = NotEnoughData(reason: .noVariance)
    /// An arm has fewer observations than the method needs (e.g. one sample for a variance).
    package static let tooFewObservations = NotEnoughData(reason: .tooFewObservations)
    /// Inputs contain NaN or infinite values.
    package static let missingData = NotEnoughData(reason: .missingData)
    /// The control mean is zero, so a relative change is undefined.
    package static let zeroBaseline = NotEnoughData(reason: .zeroBaseline)
}

/// The result of an analysis: either a value free of NaN, or a clear "not enough data" state.
///
/// Invalid input (negative counts, probabilities outside [0, 1]) throws `ExperimentError` instead;
/// a valid experiment that simply lacks data is not an error and is reported here.
package enum AnalysisOutcome<Value: Sendable>: Sendable {
    case computed(Value)
    case notEnoughData(NotEnoughData)

    /// The value, or `nil` when there was not enough data.
    package var value: Value? {
        if case .computed(let value) = self { return value }
        return nil
    }

    /// The reason, or `nil` when a value was computed.
    package var notEnoughDataReason: NotEnoughData? {
        if case .notEnoughData(let reason) = self { return reason }
        return nil
    }
}

extension AnalysisOutcome: Equatable where Value: Equatable {}

/// Which deviation from the null hypothesis a p-value measures.
package enum Alternative: Sendable, Hashable {
    /// Either direction.
    case twoSided
    /// The first group's parameter is below the second's.
    case less
    /// The first group's parameter is above the second's.
    case greater
}

/// A two-sided interval estimate.
package struct ConfidenceInterval: Hashable, Sendable {
    /// Lower bound.
    package var lower: Double
    /// Upper bound.
    package var upper: Double

    /// An interval [lower, upper].
    package init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// Whether `value` lies inside the closed interval.
    package func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
}

enum Validate {
    static func count(_ value: Int, _ field: String) throws(ExperimentError) {
        if value < 0 { throw .invalidCount("must not be negative", field: field) }
    }

    static func successes(_ x: Int, of n: Int, _ field: String) throws(ExperimentError) {
        try count(x, field)
        try count(n, field)
        if x > n { throw .invalidCount("successes exceed trials", field: field) }
    }

    static func level(_ alpha: Double, _ field: String) throws(ExperimentError) {
        if !(alpha > 0 && alpha < 1) { throw .invalidProbability("must lie in (0, 1)", field: field) }
    }

    static func probability(_ p: Double, _ field: String) throws(ExperimentError) {
        if !(p >= 0 && p <= 1) { throw .invalidProbability("must lie in [0, 1]", field: field) }
    }
}
