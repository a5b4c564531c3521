import AttuneCore
import AttuneEngine
import Logging
import PostgresNIO

/// What is published for one workspace: each version with its revision, and the pin.
package struct PublishedModels: Sendable, Equatable {
    /// Version → revision (``PostgresModelStore/redact(erased:in:)`` bumps it).
    package var revisions: [Int: Int] = [:]
    package var pinned: Int?

    package var newest: Int? { revisions.keys.max() }
    /// The version every replica serves: the pinned one, else the newest.
    package var wanted: Int? { pinned ?? newest }
}

extension PostgresModelStore {
    /// Pins `version` for every replica (it must be published), or removes the pin with `nil` so
    /// that the newest is served again, and announces it: each ``PostgresModelChannel`` writes the
    /// pin into its data directory, where ``ModelRegistry`` follows it.
    /// - Parameter token: the leader's term when a leader's job pins: refused once a later term
    ///   has begun (``LeaderTerms``); `nil` for an operator's command.
    /// - Throws: `not_found` for an unknown workspace or a version not published; `conflict` when
    ///   the term was superseded; `storage_error`.
    package func pin(_ version: Int?, in workspace: WorkspaceID, at now: Timestamp, fencedBy token: FencingToken? = nil) async throws {
        let number = version.map { Int32(clamping: $0) }
        let created = now.millisecondsSinceEpoch
        let announcement = "\(workspace.rawValue)/pin"
        try await store.transaction("pin model") { [store] connection, logger in
            if let token { try await LeaderTerms.check(token, on: connection, logger: logger) }
            let key = try await store.requireWorkspace(workspace, connection, logger)
            if let number {
                // Locked against a pruning that would delete it before the pin commits.
                let rows = try await connection.query(
                    "SELECT version FROM model_versions WHERE workspace = \(key) AND version = \(number) FOR KEY SHARE",
                    logger: logger)
                var found = false
                for try await _ in rows.decode(Int32.self) { found = true }
                guard found else { throw AttuneError.notFound("model version \(number)") }
                try await connection.query(
                    """
                    INSERT INTO model_pins (workspace, version, pinned_at) VALUES (\(key), \(number), \(created))
                    ON CONFLICT (workspace) DO UPDATE SET version = EXCLUDED.version, pinned_at = EXCLUDED.pinned_at
                    """, logger: logger)
            } else {
                try await connection.query("DELETE FROM model_pins WHERE workspace = \(key)", logger: logger)
            }
            try await connection.query("SELECT pg_notify(\(Self.channel), \(announcement))", logger: logger)
        }
    }

    /// Every workspace with a published version: its versions, their revisions and its pin, read
    /// in one statement (a consistent view).
    package func published() async throws -> [WorkspaceID: PublishedModels] {
        try await store.read("read model versions") { connection, logger in
            let rows = try await connection.query(
                """
                SELECT w.name, v.version, v.revision, p.version
                FROM model_versions v JOIN workspaces w ON w.pk = v.workspace
                LEFT JOIN model_pins p ON p.workspace = v.workspace
                """, logger: logger)
            var all: [WorkspaceID: PublishedModels] = [:]
            for try await (name, version, revision, pinned) in rows.decode((String, Int32, Int32, Int32?).self) {
                let workspace = WorkspaceID(unchecked: name)
                all[workspace, default: PublishedModels()].revisions[Int(version)] = Int(revision)
                all[workspace]?.pinned = pinned.map(Int.init)
            }
            return all
        }
    }

    /// ``published()`` of one workspace (empty when nothing is published there).
    package func published(in workspace: WorkspaceID) async throws -> PublishedModels {
        try await published()[workspace] ?? PublishedModels()
    }
}
