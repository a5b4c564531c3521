import AttuneCore
import AttuneExperiments
import AttuneStore

/// Creates, changes and assigns experiments. Assignment is a pure function of (seed, unit id), so
/// every process and restart gives a unit the same variant; definitions are cached briefly because
/// assignment sits on the request path.
package final class ExperimentService: Sendable {
    let store: any AttuneStorage
    let clock: any WallClock
    let exposures: ExposureLog
    /// Units excluded from every experiment, so the sum of what shipped can be measured.
    let holdout: GlobalHoldout?
    /// How long a definition read from the store is trusted before it is read again, so that a
    /// change made by another process (the CLI, another replica) is seen within this time.
    let cacheLifetimeMilliseconds: Int64

    private struct Compiled: Sendable {
        var definition: ExperimentDefinition
        var allocation: ExperimentAllocation
        var targeting: RuleExpression?
        var loadedAt: Timestamp
    }

    private let cache = Locked<[String: Compiled]>([:])

    package init(
        store: any AttuneStorage, clock: any WallClock, holdout: GlobalHoldout? = nil,
        exposures: ExposureLog = ExposureLog(), cacheLifetimeMilliseconds: Int64 = 2_000
    ) {
        self.store = store
        self.clock = clock
        self.holdout = holdout
        self.exposures = exposures
        self.cacheLifetimeMilliseconds = cacheLifetimeMilliseconds
    }

    /// Validates and stores a new experiment from its JSON definition.
    /// - Throws: `AttuneError`: an invalid field (422), a taken key (409).
    package func create(_ json: JSONValue, in workspace: WorkspaceID) async throws -> ExperimentDefinition {
        var definition = try ExperimentDefinition.decode(json)
        _ = try Self.compile(definition, loadedAt: clock.now())
        if let segment = definition.segment, try await store.segment(segment, in: workspace) == nil {
            throw AttuneError.invalid("segment", "no such segment")
        }
        for (i, context) in definition.banditContexts.enumerated() where try await store.segment(context, in: workspace) == nil {
            throw AttuneError.invalid("banditContexts[\(i)]", "no such segment")
        }
        if definition.status == .running { definition.startedAt = clock.now() }
        try await store.createExperiment(definition, in: workspace, at: clock.now())
        forget(definition.key, in: workspace)
        return definition
    }

    package func experiment(_ key: ExperimentKey, in workspace: WorkspaceID) async throws -> ExperimentDefinition {
        guard let found = try await store.experiment(key, in: workspace) else { throw AttuneError.notFound("experiment") }
        return found
    }

    package func experiments(in workspace: WorkspaceID) async throws -> [ExperimentDefinition] {
        try await store.experiments(in: workspace)
    }

    /// Starts or stops an experiment. Stopping sends every unit to control from then on.
    /// - Throws: `AttuneError` for an unknown experiment or a change that is not allowed (stopped → running).
    package func setStatus(
        _ status: ExperimentStatus, of key: ExperimentKey, in workspace: WorkspaceID, reason: String? = nil
    ) async throws -> ExperimentDefinition {
        var definition = try await experiment(key, in: workspace)
        guard definition.status.canChange(to: status) else {
            throw AttuneError(
                code: .conflict, message: "a \(definition.status.rawValue) experiment cannot become \(status.rawValue)",
                field: "status")
        }
        guard definition.status != status else { return definition }
        definition.status = status
        let now = clock.now()
        if status == .running { definition.startedAt = now }
        if status == .stopped {
            definition.stoppedAt = now
            definition.stopReason = reason
        }
        try await store.updateExperiment(definition, in: workspace, at: now)
        forget(key, in: workspace)
        return definition
    }

    /// The variant for `unit`, logging its first exposure when it is enrolled in a running experiment.
    /// - Throws: `AttuneError.notFound` for an unknown experiment.
    package func assign(_ key: ExperimentKey, unit: UserID, in workspace: WorkspaceID) async throws -> ExperimentAssignment {
        let compiled = try await load(key, in: workspace)
        let definition = compiled.definition
        var result = ExperimentAssignment(experiment: key, enrolled: false)
        switch definition.status {
        case .draft:
            result.reason = "not_running"
            return result
        case .stopped:
            result.reason = "stopped"
            serve(0, of: definition, in: &result)
            return result
        case .running:
            break
        }
        if let rule = compiled.targeting {
            let traits = try await store.traits(of: unit, in: workspace).flatMap { try? JSONParser().parse($0) } ?? .object([])
            guard rule.matches(json: ["user": traits], now: clock.now()) else {
                result.reason = "targeting"
                return result
            }
        }
        if definition.allocation != .fixed {
            // A bandit moves the split over time; a unit keeps the variant it was first shown.
            var known = exposures.variant(of: key, unit: unit.rawValue, in: workspace)
            if known == nil { known = try await store.exposure(of: key, unit: unit.rawValue, in: workspace) }
            if let known {
                serve(known, of: definition, in: &result)
                result.enrolled = true
                return result
            }
        }
        var allocation = compiled.allocation
        if definition.segment != nil || !definition.banditContexts.isEmpty {
            let memberships = Set(try await store.segments(of: unit, in: workspace))
            if let segment = definition.segment, !memberships.contains(segment) {
                result.reason = "segment"
                return result
            }
            if !definition.banditContexts.isEmpty {
                allocation.weights = definition.currentWeights(context: definition.banditContext(memberOf: memberships))
            }
        }
        switch allocation.assign(unitID: unit.rawValue, holdout: holdout) {
        case .excluded(let why):
            result.reason = switch why {
            case .missingUnitID: "missing_unit"
            case .globalHoldout: "holdout"
            case .namespace: "layer"
            case .coverage: "coverage"
            }
            return result
        case .variation(let index):
            let held = try await exposures.record(
                Exposure(experiment: key, unit: unit.rawValue, variant: index, time: clock.now()), in: workspace, store: store)
            serve(held, of: definition, in: &result)
            result.enrolled = true
            return result
        }
    }

    private func serve(_ index: Int, of definition: ExperimentDefinition, in result: inout ExperimentAssignment) {
        result.variant = index
        result.variantKey = definition.variants[index].key
        result.strategy = definition.variants[index].strategy
    }

    private func load(_ key: ExperimentKey, in workspace: WorkspaceID) async throws -> Compiled {
        let cacheKey = workspace.rawValue + "\u{1F}" + key.rawValue
        let now = clock.now()
        if let hit = cache.withLock({ $0[cacheKey] }),
            now.millisecondsSinceEpoch - hit.loadedAt.millisecondsSinceEpoch < cacheLifetimeMilliseconds
        {
            return hit
        }
        let definition = try await experiment(key, in: workspace)
        let compiled = try Self.compile(definition, loadedAt: now)
        cache.withLock { $0[cacheKey] = compiled }
        return compiled
    }

    func forget(_ key: ExperimentKey, in workspace: WorkspaceID) {
        _ = cache.withLock { $0.removeValue(forKey: workspace.rawValue + "\u{1F}" + key.rawValue) }
    }

    /// The allocation and targeting rule of a definition; also the final validation of a new one.
    private static func compile(_ definition: ExperimentDefinition, loadedAt: Timestamp) throws(AttuneError) -> Compiled {
        for (i, variant) in definition.variants.enumerated() {
            if let strategy = variant.strategy, RecommendationRequest.Strategy(rawValue: strategy) == nil {
                let known = RecommendationRequest.Strategy.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                throw .invalid("variants[\(i)].strategy", "unknown strategy; use one of \(known)")
            }
        }
        let allocation: ExperimentAllocation
        do {
            allocation = try ExperimentAllocation(
                seed: definition.seed, variationCount: definition.variants.count, weights: definition.currentWeights,
                coverage: definition.coverage,
                namespace: definition.layer.map { Namespace(id: $0.name, start: $0.start, end: $0.end) })
        } catch {
            throw .invalid(error.field ?? "variants", error.message)
        }
        var targeting: RuleExpression?
        if let source = definition.targeting {
            do {
                targeting = try RuleExpression.compile(source, schema: ExperimentDefinition.targetingSchema)
            } catch {
                throw error.attuneError(field: "targeting")
            }
        }
        return Compiled(definition: definition, allocation: allocation, targeting: targeting, loadedAt: loadedAt)
    }
}
