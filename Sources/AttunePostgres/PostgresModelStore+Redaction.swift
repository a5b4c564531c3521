import AttuneCore
import AttuneEngine
import Crypto
import Logging
import PostgresNIO

extension PostgresModelStore {
    /// Rewrites every published version of `workspace` that names a user whose id hashes to one of
    /// `digests`, with a placeholder in its place (``ModelSnapshot/redactingUsers(where:)``): the
    /// snapshot file's rows are replaced and the version's revision bumped in one transaction, and
    /// announced, so a replica reads the old revision or the new one whole (``downloadRevision(version:in:)``
    /// reads in one snapshot of the database) and copies the new one over its old copy.
    ///
    /// A version is replaced only if its revision is still the one read: two erasures at once never
    /// undo each other, the later one reads the version again. A version whose stored copy is
    /// damaged cannot be read to be redacted, is never served, and may hold the erased ids: it is
    /// deleted (with its pin, if pinned).
    /// - Returns: how many versions were rewritten or deleted.
    @discardableResult
    package func redact(erased digests: Set<[UInt8]>, in workspace: WorkspaceID) async throws -> Int {
        guard !digests.isEmpty else { return 0 }
        let versions = try await published(in: workspace).revisions.keys.sorted()
        var changed = 0
        for version in versions {
            if try await redact(version: version, erased: digests, in: workspace) { changed += 1 }
        }
        return changed
    }

    private func redact(version: Int, erased digests: Set<[UInt8]>, in workspace: WorkspaceID) async throws -> Bool {
        while true {
            let files: [PublishedModelFile]
            let revision: Int
            do {
                (files, revision) = try await downloadRevision(version: version, in: workspace)
            } catch let error as AttuneError where error.code == .notFound {
                return false  // pruned meanwhile
            } catch is DamagedModelVersion {
                return try await deleteDamaged(version: version, in: workspace)
            }
            guard let snapshot = files.first(where: { $0.name == Self.snapshotName(version) }) else { return false }
            let redacted = try await ModelTraining.offTheCooperativePool { () throws -> [UInt8]? in
                var filter = ErasedUserFilter(digests: digests)
                return try ModelSnapshot(serialized: snapshot.bytes).redactingUsers(where: { filter.isErased($0) })?.serialized()
            }
            guard let redacted else { return false }
            if try await replaceSnapshot(
                of: version, in: workspace, with: PublishedModelFile(name: snapshot.name, bytes: redacted), ifRevision: revision)
            {
                return true
            }
        }
    }

    /// Replaces the snapshot file of `version` if its revision is still `revision`, bumps it and
    /// announces it. - Returns: whether it did (`false`: rewritten or pruned meanwhile).
    private func replaceSnapshot(
        of version: Int, in workspace: WorkspaceID, with file: PublishedModelFile, ifRevision revision: Int
    ) async throws -> Bool {
        let number = Int32(clamping: version)
        let expected = Int32(clamping: revision)
        let digest = Array(SHA256.hash(data: file.bytes))
        let chunkSize = chunkSize
        // Idempotent: replayed after a COMMIT that broke but went through, the revision no longer
        // matches and the caller reads the version again, finding nothing left to redact.
        return try await store.transaction("redact model") { [store] connection, logger -> Bool in
            guard let key = try await store.workspaceKey(workspace, connection, logger) else { return false }
            let bumped = try await connection.query(
                """
                UPDATE model_versions SET revision = revision + 1
                WHERE workspace = \(key) AND version = \(number) AND revision = \(expected) RETURNING revision
                """, logger: logger)
            var next: Int32?
            for try await value in bumped.decode(Int32.self) { next = value }
            guard let next else { return false }
            try await connection.query(
                "DELETE FROM model_files WHERE workspace = \(key) AND version = \(number) AND name = \(file.name)", logger: logger)
            try await Self.insert(file, digest: digest, key: key, version: number, chunkSize: chunkSize, connection, logger)
            try await connection.query(
                "SELECT pg_notify(\(Self.channel), \("\(workspace.rawValue)/\(version)/r\(next)"))", logger: logger)
            return true
        }
    }

    private func deleteDamaged(version: Int, in workspace: WorkspaceID) async throws -> Bool {
        let number = Int32(clamping: version)
        return try await store.transaction("delete damaged model") { [store] connection, logger -> Bool in
            guard let key = try await store.workspaceKey(workspace, connection, logger) else { return false }
            try await connection.query(
                "DELETE FROM model_pins WHERE workspace = \(key) AND version = \(number)", logger: logger)
            let rows = try await connection.query(
                "DELETE FROM model_versions WHERE workspace = \(key) AND version = \(number) RETURNING version", logger: logger)
            var deleted = false
            for try await _ in rows.decode(Int32.self) { deleted = true }
            if deleted {
                try await connection.query(
                    "SELECT pg_notify(\(Self.channel), \("\(workspace.rawValue)/\(version)/deleted"))", logger: logger)
            }
            return deleted
        }
    }
}
