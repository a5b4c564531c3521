import AttuneCore
import AttuneExperiments
import AttuneStore

/// The read-out of one stored experiment, as `GET /v1/experiments/{key}/results` returns it.
package struct ExperimentResults: Sendable {
    package var definition: ExperimentDefinition
    package var report: ExperimentReport
    package var actions: [ExperimentAction]
    package var computedAt: Timestamp
    /// The segment the units were restricted to, if any.
    package var segment: SegmentID?
}

extension ExperimentService {
    /// Analyses an experiment from its exposures and the exposed units' events; with `segment`,
    /// only the units that are members of it now (a breakdown; the split check still applies,
    /// since membership is independent of the variant when the variant does not change it).
    /// - Throws: `AttuneError.notFound` for an unknown experiment or segment.
    package func results(of key: ExperimentKey, in workspace: WorkspaceID, segment: SegmentID? = nil) async throws -> ExperimentResults {
        let definition = try await experiment(key, in: workspace)
        let types = Array(Set(definition.allMetrics.flatMap(\.eventTypes))).sorted()
        var outcomes = try await store.unitOutcomes(
            of: key, types: types, lookbackMilliseconds: ExperimentObservations.lookbackDays * 86_400_000, in: workspace)
        if let segment {
            let members = try await members(of: segment, in: workspace)
            outcomes = outcomes.filter { members.contains($0.unit) }
        }
        let now = clock.now()
        var settings = AnalysisSettings(
            alpha: definition.alpha, weights: definition.weights, minimumDetectableEffect: definition.minimumDetectableEffect)
        settings.checksSampleRatio = definition.allocation == .fixed
        if let started = definition.startedAt {
            let end = definition.stoppedAt ?? now
            let days = max(1, Double(end.millisecondsSinceEpoch - started.millisecondsSinceEpoch) / 86_400_000)
            settings.dailyUnits = Double(outcomes.count) / days
        }
        let report: ExperimentReport
        do {
            report = try ExperimentAnalysis.analyze(ExperimentObservations.build(definition, outcomes: outcomes), settings: settings)
        } catch {
            throw AttuneError.invalid(error.field ?? "experiment", error.message)
        }
        return ExperimentResults(
            definition: definition, report: report, actions: try await store.actions(of: key, in: workspace), computedAt: now,
            segment: segment)
    }

    /// Every member of a segment, read a page at a time.
    func members(of segment: SegmentID, in workspace: WorkspaceID) async throws -> Set<String> {
        guard try await store.segment(segment, in: workspace) != nil else { throw AttuneError.notFound("segment") }
        var out = Set<String>()
        var cursor: UserID?
        while true {
            let page = try await store.members(of: segment, in: workspace, after: cursor, limit: 5_000)
            for user in page { out.insert(user.rawValue) }
            guard page.count == 5_000, let last = page.last else { return out }
            cursor = last
        }
    }

    /// Stops every running experiment in `workspace` whose guardrail a variant significantly
    /// breaches (always-valid test, so checking often does not inflate false alarms), sending all
    /// traffic back to control; each stop is recorded with its evidence. Returns the actions taken.
    @discardableResult
    package func enforceGuardrails(in workspace: WorkspaceID) async throws -> [ExperimentAction] {
        var taken: [ExperimentAction] = []
        for definition in try await experiments(in: workspace) where definition.status == .running && !definition.guardrails.isEmpty {
            let results = try await results(of: definition.key, in: workspace)
            let breached = results.report.breachedArms
            guard !breached.isEmpty else { continue }
            let evidence = Self.evidence(results.report, arms: breached, definition: definition)
            let action = ExperimentAction(
                experiment: definition.key, action: "stopped: guardrail breached", evidence: evidence, time: clock.now())
            _ = try await setStatus(.stopped, of: definition.key, in: workspace, reason: "guardrail breached: \(evidence)")
            try await store.recordAction(action, in: workspace)
            taken.append(action)
        }
        return taken
    }

    private static func evidence(_ report: ExperimentReport, arms: [Int], definition: ExperimentDefinition) -> String {
        var parts: [String] = []
        for metric in report.metrics where metric.isGuardrail {
            for arm in arms where metric.arms[arm].guardrailBreached {
                let a = metric.arms[arm]
                let control = metric.arms[0].estimate.map { JSONValue.format($0) } ?? "?"
                let value = a.estimate.map { JSONValue.format($0) } ?? "?"
                let p = a.sequential.map { JSONValue.format($0.pValue) } ?? "?"
                parts.append(
                    "\(metric.name) in \(definition.variants[arm].key) = \(value) vs control \(control) "
                        + "(units \(a.units) vs \(metric.arms[0].units), always-valid p = \(p))")
            }
        }
        return parts.joined(separator: "; ")
    }
}
