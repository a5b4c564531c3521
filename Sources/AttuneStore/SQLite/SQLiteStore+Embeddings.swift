import AttuneCore
import Foundation
import GRDB

extension SQLiteStore: EmbeddingStore {
    package func putEmbeddings(
        _ vectors: [(item: ItemID, vector: [Float])], in workspace: WorkspaceID, replacingExisting: Bool
    ) async throws {
        guard !vectors.isEmpty else { return }
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            let stored = replacingExisting ? nil : try Self.storedDimension(key, db)
            _ = try EmbeddingValidation.dimension(of: vectors, stored: stored)
            if replacingExisting {
                try db.execute(sql: "DELETE FROM item_embeddings WHERE workspace = ?", arguments: [key])
            }
            let statement = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO item_embeddings (workspace, item_id, vector) VALUES (?, ?, ?)")
            for (item, vector) in vectors {
                try statement.execute(arguments: [key, item.rawValue, Self.blob(vector)])
            }
        }
    }

    package func embeddings(_ ids: [ItemID], in workspace: WorkspaceID) async throws -> [ItemID: [Float]] {
        guard !ids.isEmpty else { return [:] }
        return try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [:] }
            var found: [ItemID: [Float]] = [:]
            try Self.forEachRow(
                db, select: "item_id, vector", from: "item_embeddings", key: "item_id", workspace: key, in: ids.map(\.rawValue)
            ) { row in
                found[ItemID(unchecked: row["item_id"])] = Self.vector(row["vector"])
            }
            return found
        }
    }

    package func embeddingSummary(in workspace: WorkspaceID) async throws -> (dimension: Int, count: Int)? {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db),
                let dimension = try Self.storedDimension(key, db)
            else { return nil }
            let count = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM item_embeddings WHERE workspace = ?", arguments: [key]) ?? 0
            return (dimension, count)
        }
    }

    @discardableResult
    package func clearEmbeddings(in workspace: WorkspaceID) async throws -> Int {
        try await writer.write { db in
            guard let key = try self.workspaceKey(workspace, db) else { return 0 }
            try db.execute(sql: "DELETE FROM item_embeddings WHERE workspace = ?", arguments: [key])
            return db.changesCount
        }
    }

    private static func storedDimension(_ key: Int64, _ db: Database) throws -> Int? {
        try Int.fetchOne(
            db, sql: "SELECT length(vector) / 4 FROM item_embeddings WHERE workspace = ? LIMIT 1", arguments: [key])
    }

    static func blob(_ vector: [Float]) -> Data {
        var data = Data(capacity: vector.count * 4)
        for v in vector { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func vector(_ data: Data) -> [Float] {
        let count = data.count / 4
        return data.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}
