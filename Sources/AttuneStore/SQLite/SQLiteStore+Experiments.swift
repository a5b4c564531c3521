import AttuneCore
import GRDB

extension SQLiteStore: ExperimentStore {
    package func createExperiment(_ definition: ExperimentDefinition, in workspace: WorkspaceID, at time: Timestamp) async throws {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            let taken = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM experiments WHERE workspace = ? AND key = ?", arguments: [key, definition.key.rawValue])
            if taken == true { throw AttuneError(code: .conflict, message: "an experiment with this key exists", field: "key") }
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM experiments WHERE workspace = ?", arguments: [key]) ?? 0
            guard count < Self.maxExperiments else {
                throw AttuneError(code: .conflict, message: "a workspace holds at most \(Self.maxExperiments) experiments")
            }
            try db.execute(
                sql: "INSERT INTO experiments (workspace, key, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    key, definition.key.rawValue, definition.json.serialized(), time.millisecondsSinceEpoch,
                    time.millisecondsSinceEpoch,
                ])
        }
    }

    package func updateExperiment(_ definition: ExperimentDefinition, in workspace: WorkspaceID, at time: Timestamp) async throws {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            try db.execute(
                sql: "UPDATE experiments SET definition = ?, updated_at = ? WHERE workspace = ? AND key = ?",
                arguments: [definition.json.serialized(), time.millisecondsSinceEpoch, key, definition.key.rawValue])
            if db.changesCount == 0 { throw AttuneError.notFound("experiment") }
        }
    }

    package func experiment(_ experiment: ExperimentKey, in workspace: WorkspaceID) async throws -> ExperimentDefinition? {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db),
                let text = try String.fetchOne(
                    db, sql: "SELECT definition FROM experiments WHERE workspace = ? AND key = ?",
                    arguments: [key, experiment.rawValue])
            else { return nil }
            return try Self.definition(text)
        }
    }

    package func experiments(in workspace: WorkspaceID) async throws -> [ExperimentDefinition] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try String.fetchAll(
                db, sql: "SELECT definition FROM experiments WHERE workspace = ? ORDER BY key", arguments: [key]
            ).map(Self.definition)
        }
    }

    @discardableResult
    package func recordExposures(_ exposures: [Exposure], in workspace: WorkspaceID) async throws -> Int {
        guard !exposures.isEmpty else { return 0 }
        return try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            let statement = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO exposures (workspace, experiment, unit_id, variant, exposed_at) VALUES (?, ?, ?, ?, ?)")
            var inserted = 0
            for e in exposures {
                try statement.execute(arguments: [key, e.experiment.rawValue, e.unit, e.variant, e.time.millisecondsSinceEpoch])
                inserted += db.changesCount
            }
            return inserted
        }
    }

    package func exposure(of experiment: ExperimentKey, unit: String, in workspace: WorkspaceID) async throws -> Int? {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return nil }
            return try Int.fetchOne(
                db, sql: "SELECT variant FROM exposures WHERE workspace = ? AND experiment = ? AND unit_id = ?",
                arguments: [key, experiment.rawValue, unit])
        }
    }

    package func exposureCounts(of experiment: ExperimentKey, in workspace: WorkspaceID) async throws -> [Int: Int] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [:] }
            var counts: [Int: Int] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT variant, count(*) FROM exposures WHERE workspace = ? AND experiment = ? GROUP BY variant",
                arguments: [key, experiment.rawValue])
            while let row = try rows.next() { counts[row[0]] = row[1] }
            return counts
        }
    }

    package func unitOutcomes(
        of experiment: ExperimentKey, types: [EventType], lookbackMilliseconds: Int64, in workspace: WorkspaceID
    ) async throws -> [UnitOutcome] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            var units: [String: UnitOutcome] = [:]
            let exposed = try Row.fetchCursor(
                db, sql: "SELECT unit_id, variant, exposed_at FROM exposures WHERE workspace = ? AND experiment = ?",
                arguments: [key, experiment.rawValue])
            while let row = try exposed.next() {
                let unit: String = row[0]
                units[unit] = UnitOutcome(unit: unit, variant: row[1], exposedAt: Timestamp(millisecondsSinceEpoch: row[2]))
            }
            guard !types.isEmpty, !units.isEmpty else { return units.values.sorted { $0.unit < $1.unit } }
            let marks = Array(repeating: "?", count: types.count).joined(separator: ",")
            // One pass per id column so each join uses its (workspace, id) index; the aggregation
            // runs in SQLite, so only one row per unit and type crosses into Swift.
            for column in ["user_id", "anonymous_id"] {
                var arguments: [any DatabaseValueConvertible] = [lookbackMilliseconds, key, experiment.rawValue]
                arguments += types.map(\.rawValue)
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT x.unit_id, e.type, e.ts >= x.exposed_at AS after, count(*), total(e.value)
                        FROM exposures x JOIN events e
                          ON e.workspace = x.workspace AND e.\(column) = x.unit_id AND e.ts >= x.exposed_at - ?
                        WHERE x.workspace = ? AND x.experiment = ? AND e.type IN (\(marks))
                        GROUP BY x.unit_id, e.type, after
                        """,
                    arguments: StatementArguments(arguments))
                while let row = try rows.next() {
                    let unit: String = row[0]
                    let type = EventType(unchecked: row[1])
                    let isAfter: Bool = row[2]
                    let totals = UnitOutcome.Totals(count: row[3], value: row[4])
                    if isAfter {
                        units[unit]?.after[type, default: .init()].add(totals)
                    } else {
                        units[unit]?.before[type, default: .init()].add(totals)
                    }
                }
            }
            return units.values.sorted { $0.unit < $1.unit }
        }
    }

    package func recordAction(_ action: ExperimentAction, in workspace: WorkspaceID) async throws {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            try db.execute(
                sql: "INSERT INTO experiment_actions (workspace, experiment, action, evidence, at) VALUES (?, ?, ?, ?, ?)",
                arguments: [key, action.experiment.rawValue, action.action, action.evidence, action.time.millisecondsSinceEpoch])
        }
    }

    package func actions(of experiment: ExperimentKey, in workspace: WorkspaceID) async throws -> [ExperimentAction] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try Row.fetchAll(
                db, sql: "SELECT action, evidence, at FROM experiment_actions WHERE workspace = ? AND experiment = ? ORDER BY seq",
                arguments: [key, experiment.rawValue]
            ).map { row in
                ExperimentAction(
                    experiment: experiment, action: row[0], evidence: row[1], time: Timestamp(millisecondsSinceEpoch: row[2]))
            }
        }
    }

    private static func definition(_ text: String) throws -> ExperimentDefinition {
        try ExperimentDefinition.decode(try JSONParser().parse(text), stored: true)
    }
}

extension UnitOutcome.Totals {
    mutating func add(_ other: UnitOutcome.Totals) {
        count += other.count
        value += other.value
    }
}

extension SQLiteStore {
    /// Stopped experiments count too: their exposures and results stay readable. The list is
    /// returned whole and paged by the API, so its size is bounded.
    package static let maxExperiments = 1_000
}
