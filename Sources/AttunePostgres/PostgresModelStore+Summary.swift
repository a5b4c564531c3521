import AttuneCore
import AttuneEngine
import Logging
import NIOCore
import PostgresNIO

extension PostgresModelStore {
    /// What a published version is (family, time, metadata), read from the first chunk of its
    /// snapshot, so that listing versions costs a chunk per version rather than every model.
    /// - Returns: `nil` when the version is not published.
    /// - Throws: ``DamagedModelVersion`` when the snapshot is unreadable; `storage_error`.
    package func summary(version: Int, in workspace: WorkspaceID) async throws -> ModelSummary? {
        let number = Int32(clamping: version)
        let name = Self.snapshotName(version)
        let head = try await store.read("read model summary") { [store] connection, logger -> [UInt8]? in
            guard let key = try await store.workspaceKey(workspace, connection, logger) else { return nil }
            let rows = try await connection.query(
                "SELECT data FROM model_chunks WHERE workspace = \(key) AND version = \(number) AND name = \(name) AND chunk = 0",
                logger: logger)
            var found: [UInt8]?
            for try await data in rows.decode(ByteBuffer.self) { found = Array(data.readableBytesView) }
            return found
        }
        guard let head else { return nil }
        if let summary = try? ModelSummary(head: head) { return summary }
        // Metadata longer than a chunk: the whole snapshot decides.
        guard let whole = try await download(version: version, in: workspace).first(where: { $0.name == name }) else { return nil }
        do {
            return try ModelSummary(head: whole.bytes)
        } catch {
            throw DamagedModelVersion(workspace: workspace, version: version, reason: "the snapshot is unreadable: \(error)")
        }
    }
}
