import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

extension PostgresStore: ExperimentStore {
    /// Not idempotent: replayed after a COMMIT whose answer was lost it would report the
    /// experiment it had just created as taken, so that case is reported instead.
    package func createExperiment(_ definition: ExperimentDefinition, in workspace: WorkspaceID, at time: Timestamp) async throws {
        let text = definition.json.serialized()
        try Self.refuseNUL(definition.key.rawValue, field: "key")
        try Self.refuseNUL(text, field: "definition")
        try await transaction("create experiment", idempotent: false) { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            // Creations in one workspace queue on this lock, so that two replicas can neither
            // both take the last free place nor both insert one key (the loser would meet the
            // primary key as an error rather than a conflict).
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(AdvisoryLock.experimentNamespace), \(Int32(truncatingIfNeeded: key)))",
                logger: logger)
            let rows = try await connection.query(
                """
                SELECT EXISTS (SELECT 1 FROM experiments WHERE workspace = \(key) AND key = \(definition.key.rawValue)),
                       (SELECT count(*) FROM experiments WHERE workspace = \(key))
                """, logger: logger)
            for try await (taken, count) in rows.decode((Bool, Int64).self) {
                if taken { throw AttuneError(code: .conflict, message: "an experiment with this key exists", field: "key") }
                guard count < SQLiteStore.maxExperiments else {
                    throw AttuneError(code: .conflict, message: "a workspace holds at most \(SQLiteStore.maxExperiments) experiments")
                }
            }
            try await connection.query(
                """
                INSERT INTO experiments (workspace, key, definition, created_at, updated_at)
                VALUES (\(key), \(definition.key.rawValue), \(text), \(time.millisecondsSinceEpoch), \(time.millisecondsSinceEpoch))
                """, logger: logger)
        }
    }

    package func updateExperiment(_ definition: ExperimentDefinition, in workspace: WorkspaceID, at time: Timestamp) async throws {
        let text = definition.json.serialized()
        try Self.refuseNUL(definition.key.rawValue, field: "key")
        try Self.refuseNUL(text, field: "definition")
        try await transaction("update experiment") { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            let rows = try await connection.query(
                """
                UPDATE experiments SET definition = \(text), updated_at = \(time.millisecondsSinceEpoch)
                WHERE workspace = \(key) AND key = \(definition.key.rawValue) RETURNING 1
                """, logger: logger)
            var updated = false
            for try await _ in rows { updated = true }
            if !updated { throw AttuneError.notFound("experiment") }
        }
    }

    package func experiment(_ experiment: ExperimentKey, in workspace: WorkspaceID) async throws -> ExperimentDefinition? {
        try await read("read experiment") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return nil }
            let rows = try await connection.query(
                "SELECT definition FROM experiments WHERE workspace = \(key) AND key = \(experiment.rawValue)", logger: logger)
            var found: ExperimentDefinition?
            for try await text in rows.decode(String.self) { found = try Self.definition(text) }
            return found
        }
    }

    package func experiments(in workspace: WorkspaceID) async throws -> [ExperimentDefinition] {
        try await read("list experiments") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
            let rows = try await connection.query(
                "SELECT definition FROM experiments WHERE workspace = \(key) ORDER BY key COLLATE \"C\"", logger: logger)
            var definitions: [ExperimentDefinition] = []
            for try await text in rows.decode(String.self) { definitions.append(try Self.definition(text)) }
            return definitions
        }
    }

    /// One statement for the whole batch. The primary key settles duplicates within the batch
    /// (the first in input order wins, as SQLite's row-by-row insert), against stored rows and
    /// against other processes exposing the same unit at the same time (the first to commit
    /// wins; the other's insert waits for it, then skips the row). Rows go in in key order, so
    /// two batches sharing units wait for each other in one order and cannot deadlock.
    ///
    /// Idempotent, hence retried after a broken connection: a replay finds its rows stored and
    /// counts them as not new, which `ExposureLog` answers by reading the stored variant.
    @discardableResult
    package func recordExposures(_ exposures: [Exposure], in workspace: WorkspaceID) async throws -> Int {
        guard !exposures.isEmpty else { return 0 }
        for (index, exposure) in exposures.enumerated() {
            try Self.refuseNUL(exposure.experiment.rawValue, field: "exposures[\(index)].experiment")
            try Self.refuseNUL(exposure.unit, field: "exposures[\(index)].unit")
        }
        var experiments: [String] = []
        var units: [String] = []
        var variants: [Int64] = []
        var times: [Int64] = []
        experiments.reserveCapacity(exposures.count)
        units.reserveCapacity(exposures.count)
        variants.reserveCapacity(exposures.count)
        times.reserveCapacity(exposures.count)
        for exposure in exposures {
            experiments.append(exposure.experiment.rawValue)
            units.append(exposure.unit)
            variants.append(Int64(exposure.variant))
            times.append(exposure.time.millisecondsSinceEpoch)
        }
        return try await transaction("record exposures") { [self, experiments, units, variants, times] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            let rows = try await connection.query(
                """
                WITH inserted AS (
                    INSERT INTO exposures (workspace, experiment, unit_id, variant, exposed_at)
                    SELECT \(key), experiment, unit_id, variant, exposed_at
                    FROM unnest(\(experiments)::text[], \(units)::text[], \(variants)::int8[], \(times)::int8[])
                        WITH ORDINALITY AS t(experiment, unit_id, variant, exposed_at, ord)
                    ORDER BY experiment COLLATE "C", unit_id COLLATE "C", ord
                    ON CONFLICT (workspace, experiment, unit_id) DO NOTHING
                    RETURNING 1
                )
                SELECT count(*) FROM inserted
                """, logger: logger)
            var inserted = 0
            for try await count in rows.decode(Int64.self) { inserted = Int(count) }
            return inserted
        }
    }

    package func exposure(of experiment: ExperimentKey, unit: String, in workspace: WorkspaceID) async throws -> Int? {
        // Text PostgreSQL cannot hold is in no row.
        guard !unit.utf8.contains(0) else { return nil }
        return try await read("read exposure") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return nil }
            let rows = try await connection.query(
                """
                SELECT variant FROM exposures
                WHERE workspace = \(key) AND experiment = \(experiment.rawValue) AND unit_id = \(unit)
                """, logger: logger)
            var variant: Int?
            for try await value in rows.decode(Int64.self) { variant = Int(value) }
            return variant
        }
    }

    package func exposureCounts(of experiment: ExperimentKey, in workspace: WorkspaceID) async throws -> [Int: Int] {
        try await read("count exposures") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [:] }
            let rows = try await connection.query(
                """
                SELECT variant, count(*) FROM exposures
                WHERE workspace = \(key) AND experiment = \(experiment.rawValue) GROUP BY variant
                """, logger: logger)
            var counts: [Int: Int] = [:]
            for try await (variant, count) in rows.decode((Int64, Int64).self) { counts[Int(variant)] = Int(count) }
            return counts
        }
    }

    /// As on SQLite: one join per id column (each uses its index), so an event whose user id
    /// and anonymous id both equal the unit counts twice; the aggregation runs in the server and
    /// one row per unit, type and side crosses the wire. The window's bound is compared as
    /// `numeric`: an exposure time minus a huge look-back is outside `BIGINT`, where SQLite
    /// falls back to floating point rather than failing.
    package func unitOutcomes(
        of experiment: ExperimentKey, types: [EventType], lookbackMilliseconds: Int64, in workspace: WorkspaceID
    ) async throws -> [UnitOutcome] {
        let typeNames = types.map(\.rawValue).filter { !$0.utf8.contains(0) }
        return try await read("read unit outcomes") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            var units: [String: UnitOutcome] = [:]
            let exposed = try await connection.query(
                """
                SELECT unit_id, variant, exposed_at FROM exposures WHERE workspace = \(key) AND experiment = \(experiment.rawValue)
                """, logger: logger)
            for try await (unit, variant, at) in exposed.decode((String, Int64, Int64).self) {
                units[unit] = UnitOutcome(unit: unit, variant: Int(variant), exposedAt: Timestamp(millisecondsSinceEpoch: at))
            }
            guard !typeNames.isEmpty, !units.isEmpty else { return units.values.sorted { $0.unit < $1.unit } }
            let rows = try await connection.query(
                """
                SELECT unit_id, type, after, count(*), coalesce(sum(value), 0) FROM (
                    SELECT x.unit_id, e.type, e.ts >= x.exposed_at AS after, e.value
                    FROM exposures x JOIN events e ON e.workspace = x.workspace AND e.user_id = x.unit_id
                        AND e.ts >= x.exposed_at::numeric - \(lookbackMilliseconds)
                    WHERE x.workspace = \(key) AND x.experiment = \(experiment.rawValue) AND e.type = ANY(\(typeNames)::text[])
                    UNION ALL
                    SELECT x.unit_id, e.type, e.ts >= x.exposed_at AS after, e.value
                    FROM exposures x JOIN events e ON e.workspace = x.workspace AND e.anonymous_id = x.unit_id
                        AND e.ts >= x.exposed_at::numeric - \(lookbackMilliseconds)
                    WHERE x.workspace = \(key) AND x.experiment = \(experiment.rawValue) AND e.type = ANY(\(typeNames)::text[])
                ) matched
                GROUP BY unit_id, type, after
                """, logger: logger)
            for try await (unit, type, isAfter, count, value) in rows.decode((String, String, Bool, Int64, Double).self) {
                let totals = UnitOutcome.Totals(count: Int(count), value: value)
                if isAfter {
                    units[unit]?.after[EventType(unchecked: type), default: .init()].add(totals)
                } else {
                    units[unit]?.before[EventType(unchecked: type), default: .init()].add(totals)
                }
            }
            return units.values.sorted { $0.unit < $1.unit }
        }
    }

    /// Not idempotent: a replay after a lost COMMIT answer would log the action twice.
    package func recordAction(_ action: ExperimentAction, in workspace: WorkspaceID) async throws {
        try Self.refuseNUL(action.action, field: "action")
        try Self.refuseNUL(action.evidence, field: "evidence")
        try Self.refuseNUL(action.experiment.rawValue, field: "experiment")
        try await transaction("record experiment action", idempotent: false) { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            try await connection.query(
                """
                INSERT INTO experiment_actions (workspace, experiment, action, evidence, at)
                VALUES (\(key), \(action.experiment.rawValue), \(action.action), \(action.evidence),
                        \(action.time.millisecondsSinceEpoch))
                """, logger: logger)
        }
    }

    package func actions(of experiment: ExperimentKey, in workspace: WorkspaceID) async throws -> [ExperimentAction] {
        try await read("read experiment actions") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT action, evidence, at FROM experiment_actions
                WHERE workspace = \(key) AND experiment = \(experiment.rawValue) ORDER BY seq
                """, logger: logger)
            var actions: [ExperimentAction] = []
            for try await (name, evidence, at) in rows.decode((String, String, Int64).self) {
                actions.append(ExperimentAction(
                    experiment: experiment, action: name, evidence: evidence, time: Timestamp(millisecondsSinceEpoch: at)))
            }
            return actions
        }
    }

    private static func definition(_ text: String) throws -> ExperimentDefinition {
        try ExperimentDefinition.decode(try JSONParser().parse(text), stored: true)
    }

    /// PostgreSQL text cannot hold NUL, which SQLite stores: such a value is refused before
    /// anything is written, naming the field, rather than failing the transaction with an
    /// encoding error.
    static func refuseNUL(_ value: String?, field: String) throws(AttuneError) {
        guard let value, value.utf8.contains(0) else { return }
        throw AttuneError.invalid(field, "must not contain a NUL character")
    }
}

extension UnitOutcome.Totals {
    fileprivate mutating func add(_ other: UnitOutcome.Totals) {
        count += other.count
        value += other.value
    }
}
