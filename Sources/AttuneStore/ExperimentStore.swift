import AttuneCore

/// A unit's first exposure to an experiment: the variant it saw and when.
package struct Exposure: Sendable, Hashable {
    package var experiment: ExperimentKey
    package var unit: String
    package var variant: Int
    package var time: Timestamp

    package init(experiment: ExperimentKey, unit: String, variant: Int, time: Timestamp) {
        self.experiment = experiment
        self.unit = unit
        self.variant = variant
        self.time = time
    }
}

/// One exposed unit with its per-event-type totals: after exposure (the outcome) and in the
/// window before it (the covariate CUPED adjusts with).
package struct UnitOutcome: Sendable, Hashable {
    package struct Totals: Sendable, Hashable {
        package var count: Int
        package var value: Double

        package init(count: Int = 0, value: Double = 0) {
            self.count = count
            self.value = value
        }
    }

    package var unit: String
    package var variant: Int
    package var exposedAt: Timestamp
    package var after: [EventType: Totals]
    package var before: [EventType: Totals]

    package init(unit: String, variant: Int, exposedAt: Timestamp, after: [EventType: Totals] = [:], before: [EventType: Totals] = [:]) {
        self.unit = unit
        self.variant = variant
        self.exposedAt = exposedAt
        self.after = after
        self.before = before
    }
}

/// Something the system did to an experiment on its own (a guardrail stop), with its evidence.
package struct ExperimentAction: Sendable, Hashable {
    package var experiment: ExperimentKey
    package var action: String
    package var evidence: String
    package var time: Timestamp

    package init(experiment: ExperimentKey, action: String, evidence: String, time: Timestamp) {
        self.experiment = experiment
        self.action = action
        self.evidence = evidence
        self.time = time
    }
}

/// Experiments, their exposures, and the per-unit aggregates their analysis reads.
package protocol ExperimentStore: Sendable {
    /// - Throws: `AttuneError` `conflict` when the key is taken.
    func createExperiment(_ definition: ExperimentDefinition, in workspace: WorkspaceID, at time: Timestamp) async throws
    /// Replaces a stored definition. - Throws: `AttuneError` `notFound`.
    func updateExperiment(_ definition: ExperimentDefinition, in workspace: WorkspaceID, at time: Timestamp) async throws
    func experiment(_ key: ExperimentKey, in workspace: WorkspaceID) async throws -> ExperimentDefinition?
    func experiments(in workspace: WorkspaceID) async throws -> [ExperimentDefinition]

    /// Stores first exposures; a unit already exposed keeps its first record. Returns how many were new.
    @discardableResult
    func recordExposures(_ exposures: [Exposure], in workspace: WorkspaceID) async throws -> Int
    /// The variant a unit was first exposed to, if it was.
    func exposure(of experiment: ExperimentKey, unit: String, in workspace: WorkspaceID) async throws -> Int?
    /// Units exposed, per variant index.
    func exposureCounts(of experiment: ExperimentKey, in workspace: WorkspaceID) async throws -> [Int: Int]
    /// Every exposed unit with totals of `types` from its events (matched by user id or anonymous id
    /// equal to the unit), after exposure and in the `lookbackMilliseconds` before it.
    func unitOutcomes(
        of experiment: ExperimentKey, types: [EventType], lookbackMilliseconds: Int64, in workspace: WorkspaceID
    ) async throws -> [UnitOutcome]

    func recordAction(_ action: ExperimentAction, in workspace: WorkspaceID) async throws
    func actions(of experiment: ExperimentKey, in workspace: WorkspaceID) async throws -> [ExperimentAction]
}
