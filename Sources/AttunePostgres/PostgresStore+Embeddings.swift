import AttuneCore
import AttuneStore
import Logging
import NIOCore
import PostgresNIO

extension PostgresStore: EmbeddingStore {
    /// The batch goes in one statement (ids and vectors as two arrays spread by `unnest`).
    ///
    /// Writers to one workspace take its embeddings lock before reading the stored dimension: two
    /// replicas putting vectors of different dimensions into an empty workspace would otherwise
    /// both find it empty and store a mix, which SQLite's single writer cannot. Idempotent, hence
    /// retried. An item given twice keeps its last vector, as SQLite's `INSERT OR REPLACE` does.
    package func putEmbeddings(
        _ vectors: [(item: ItemID, vector: [Float])], in workspace: WorkspaceID, replacingExisting: Bool
    ) async throws {
        guard !vectors.isEmpty else { return }
        var position: [ItemID: Int] = [:]
        var ids: [String] = []
        var values = Float32VectorArray(vectors: [])
        for (item, vector) in vectors {
            if let index = position[item] {
                values.vectors[index] = vector
            } else {
                position[item] = ids.count
                ids.append(item.rawValue)
                values.vectors.append(vector)
            }
        }
        try await transaction("put embeddings") { [self, ids, values] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(AdvisoryLock.embeddingsNamespace), \(Int32(truncatingIfNeeded: key)))",
                logger: logger)
            // A statement of its own, after the lock: its snapshot includes what the previous
            // holder committed.
            let stored = replacingExisting ? nil : try await Self.storedDimension(key, connection, logger)
            _ = try EmbeddingValidation.dimension(of: vectors, stored: stored)
            if replacingExisting {
                try await connection.query("DELETE FROM item_embeddings WHERE workspace = \(key)", logger: logger)
            }
            try await connection.query(
                """
                INSERT INTO item_embeddings (workspace, item_id, vector)
                SELECT \(key), item_id, vector FROM unnest(\(ids)::text[], \(values)::bytea[]) AS t(item_id, vector)
                ORDER BY item_id COLLATE "C"
                ON CONFLICT (workspace, item_id) DO UPDATE SET vector = excluded.vector
                """, logger: logger)
        }
    }

    package func embeddings(_ ids: [ItemID], in workspace: WorkspaceID) async throws -> [ItemID: [Float]] {
        guard !ids.isEmpty else { return [:] }
        let names = ids.map(\.rawValue)
        return try await read("read embeddings") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [:] }
            let rows = try await connection.query(
                """
                SELECT item_id, vector FROM item_embeddings
                WHERE workspace = \(key) AND item_id = ANY(\(names)::text[])
                """,
                logger: logger)
            var found: [ItemID: [Float]] = [:]
            for try await (item, bytes) in rows.decode((String, ByteBuffer).self) {
                found[ItemID(unchecked: item)] = Float32VectorArray.vector(bytes)
            }
            return found
        }
    }

    package func embeddingSummary(in workspace: WorkspaceID) async throws -> (dimension: Int, count: Int)? {
        try await read("read embedding summary") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return nil }
            let rows = try await connection.query(
                """
                SELECT (SELECT length(vector) / 4 FROM item_embeddings WHERE workspace = \(key) LIMIT 1)::int8,
                       (SELECT count(*) FROM item_embeddings WHERE workspace = \(key))
                """, logger: logger)
            var summary: (dimension: Int, count: Int)?
            for try await (dimension, count) in rows.decode((Int64?, Int64).self) {
                summary = dimension.map { (Int($0), Int(count)) }
            }
            return summary
        }
    }

    @discardableResult
    package func clearEmbeddings(in workspace: WorkspaceID) async throws -> Int {
        try await transaction("clear embeddings") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return 0 }
            let rows = try await connection.query(
                """
                WITH gone AS (DELETE FROM item_embeddings WHERE workspace = \(key) RETURNING 1)
                SELECT count(*) FROM gone
                """,
                logger: logger)
            var count = 0
            for try await deleted in rows.decode(Int64.self) { count = Int(deleted) }
            return count
        }
    }

    private static func storedDimension(_ key: Int64, _ connection: PostgresConnection, _ logger: Logger) async throws
        -> Int?
    {
        let rows = try await connection.query(
            "SELECT length(vector) / 4 FROM item_embeddings WHERE workspace = \(key) LIMIT 1", logger: logger)
        var dimension: Int?
        for try await value in rows.decode(Int32.self) { dimension = Int(value) }
        return dimension
    }
}
