import AttuneCore

/// What one unit gets in one experiment.
package struct ExperimentAssignment: Sendable, Hashable {
    package var experiment: ExperimentKey
    /// The variant served: the enrolled one, or control (index 0) for a stopped experiment.
    /// `nil` when the unit is not in the experiment and the caller should serve its default.
    package var variant: Int?
    package var variantKey: String?
    /// Recommendation strategy of the variant, when it names one.
    package var strategy: String?
    /// Whether the unit counts in the analysis (enrolled in a running experiment).
    package var enrolled: Bool
    /// Why the unit is not enrolled (`not_running`, `stopped`, `targeting`, `holdout`, `layer`, `coverage`).
    package var reason: String?

    package var json: JSONValue {
        .object([
            ("experiment", .string(experiment.rawValue)),
            ("variant", variantKey.map(JSONValue.string) ?? .null),
            ("variantIndex", variant.map { .number(Double($0)) } ?? .null),
            ("strategy", strategy.map(JSONValue.string) ?? .null),
            ("inExperiment", .bool(enrolled)),
            ("reason", reason.map(JSONValue.string) ?? .null),
        ])
    }
}

extension ExperimentAssignment {
    /// An assignment as a response reports it (for renderers and their tests outside this module).
    package init(experiment: ExperimentKey, variant: Int?, variantKey: String?, enrolled: Bool) {
        self.init(experiment: experiment, variant: variant, variantKey: variantKey, strategy: nil, enrolled: enrolled, reason: nil)
    }
}
