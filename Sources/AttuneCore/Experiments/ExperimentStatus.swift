/// Where an experiment is in its life. Only a running experiment enrols units and logs exposures;
/// a stopped one sends everyone to control.
package enum ExperimentStatus: String, Sendable, Hashable, CaseIterable {
    case draft
    case running
    case stopped

    /// Status changes that make sense: a stopped experiment is never restarted, because units
    /// exposed before the stop would be mixed with later ones under one analysis.
    package func canChange(to next: ExperimentStatus) -> Bool {
        switch (self, next) {
        case (.draft, .running), (.draft, .stopped), (.running, .stopped): true
        default: self == next
        }
    }
}
