import AttuneCore
import AttuneEngine
import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// One file of a published model version: `v<version>.model`, the snapshot, and beside it, for a
/// factor model over a large catalogue, `v<version>.index` (``ModelFiles``).
package struct PublishedModelFile: Sendable, Equatable {
    package var name: String
    package var bytes: [UInt8]

    package init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
}

/// A stored copy that must not be served: a chunk missing, cut short or changed.
package struct DamagedModelVersion: Error, Sendable, CustomStringConvertible {
    package var workspace: WorkspaceID
    package var version: Int
    package var reason: String

    package var description: String { "model version \(version) of \(workspace.rawValue) is damaged: \(reason)" }
}

/// The model versions every replica serves, kept in the database: the same files the trainer
/// writes into its data directory, cut into chunks (``chunkSize``) so that no row and no protocol
/// message holds a whole model, each file with its length and SHA-256.
///
/// Publishing inserts the version, its files and chunks and announces it with
/// `pg_notify('attune_models', '<workspace>/<version>')` in one transaction: a replica never sees
/// a version before all of it is stored, and is told as soon as it is. ``PostgresModelChannel``
/// listens and copies new versions into each replica's data directory, where ``ModelRegistry``
/// picks them up.
package struct PostgresModelStore: Sendable {
    /// The `LISTEN` channel of announcements.
    package static let channel = "attune_models"

    package let store: PostgresStore
    package let chunkSize: Int

    package init(store: PostgresStore, chunkSize: Int = 1 << 20) {
        self.store = store
        self.chunkSize = max(1, chunkSize)
    }

    /// Publishes the files of `version` as ``ModelFiles`` saved them in `files`' directory: the
    /// snapshot and its index when it has one.
    /// - Throws: `not_found` when the snapshot file is missing; see ``publish(version:in:files:at:fencedBy:)``.
    package func publish(
        version: Int, in workspace: WorkspaceID, from files: ModelFiles, at now: Timestamp, fencedBy token: FencingToken? = nil
    ) async throws {
        let folder = files.folder(workspace)
        let read = try await ModelTraining.offTheCooperativePool { () throws -> [PublishedModelFile] in
            var found: [PublishedModelFile] = []
            for name in [Self.indexName(version), Self.snapshotName(version)] {
                let url = folder.appendingPathComponent(name)
                guard let data = FileManager.default.contents(atPath: url.path) else { continue }
                found.append(PublishedModelFile(name: name, bytes: Array(data)))
            }
            return found
        }
        guard read.contains(where: { $0.name == Self.snapshotName(version) }) else {
            throw AttuneError.notFound("model version \(version)")
        }
        try await publish(version: version, in: workspace, files: read, at: now, fencedBy: token)
    }

    /// Stores `files` as `version` of `workspace` and announces it, all in one transaction.
    /// - Parameter token: the leader's term when the leader publishes: the publication is then
    ///   refused once a later term has begun (``LeaderTerms``); `nil` for an operator's command.
    /// - Throws: `invalid_value` when a name is not `v<version>.model` or `v<version>.index`, or the
    ///   snapshot is missing; `not_found` for an unknown workspace; `conflict` when the version was
    ///   published already (versions are never replaced) or the term was superseded;
    ///   `storage_error` when the database fails.
    package func publish(
        version: Int, in workspace: WorkspaceID, files: [PublishedModelFile], at now: Timestamp,
        fencedBy token: FencingToken? = nil
    ) async throws {
        guard version > 0, version <= Int(Int32.max) else {
            throw AttuneError.invalid("version", "a model version is from 1 to \(Int32.max)")
        }
        let allowed = [Self.snapshotName(version), Self.indexName(version)]
        guard files.allSatisfy({ allowed.contains($0.name) }), Set(files.map(\.name)).count == files.count,
            files.contains(where: { $0.name == Self.snapshotName(version) })
        else {
            throw AttuneError.invalid("files", "a published version is \(allowed[0]) and at most \(allowed[1])")
        }
        let digests = files.map { Array(SHA256.hash(data: $0.bytes)) }
        let chunkSize = chunkSize
        let announcement = "\(workspace.rawValue)/\(version)"
        let created = now.millisecondsSinceEpoch
        let number = Int32(version)
        // Not idempotent: a COMMIT that broke may have published, and a replay would be a conflict.
        try await store.transaction("publish model", idempotent: false) { [store] connection, logger in
            if let token { try await LeaderTerms.check(token, on: connection, logger: logger) }
            let key = try await store.requireWorkspace(workspace, connection, logger)
            let inserted = try await connection.query(
                """
                INSERT INTO model_versions (workspace, version, created_at) VALUES (\(key), \(number), \(created))
                ON CONFLICT DO NOTHING RETURNING version
                """, logger: logger)
            var fresh = false
            for try await _ in inserted.decode(Int32.self) { fresh = true }
            guard fresh else {
                throw AttuneError(code: .conflict, message: "model version \(version) is already published")
            }
            for (file, digest) in zip(files, digests) {
                try await Self.insert(file, digest: digest, key: key, version: number, chunkSize: chunkSize, connection, logger)
            }
            // Delivered at COMMIT, and only if it commits.
            try await connection.query("SELECT pg_notify(\(Self.channel), \(announcement))", logger: logger)
        }
    }

    /// Inserts one file of a version and its chunks, one statement per chunk: each message stays
    /// one chunk long.
    static func insert(
        _ file: PublishedModelFile, digest: [UInt8], key: Int64, version number: Int32, chunkSize: Int,
        _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        let chunks = Int32((file.bytes.count + chunkSize - 1) / chunkSize)
        try await connection.query(
            """
            INSERT INTO model_files (workspace, version, name, bytes, sha256, chunks)
            VALUES (\(key), \(number), \(file.name), \(Int64(file.bytes.count)), \(ByteBuffer(bytes: digest)), \(chunks))
            """, logger: logger)
        for chunk in 0..<Int(chunks) {
            let start = chunk * chunkSize
            let data = ByteBuffer(bytes: file.bytes[start..<min(start + chunkSize, file.bytes.count)])
            try await connection.query(
                """
                INSERT INTO model_chunks (workspace, version, name, chunk, data)
                VALUES (\(key), \(number), \(file.name), \(Int32(chunk)), \(data))
                """, logger: logger)
        }
    }

    /// Reserves the number a new training publishes as: above every version published or handed
    /// out before, and at least `atLeast`. The counter row is locked while it is raised, so two
    /// trainers asking at once (on any machines) get two numbers; a training that never publishes
    /// leaves a gap, which nothing minds.
    /// - Returns: 1 for an unknown workspace (nothing can be published there before it exists).
    package func nextVersion(in workspace: WorkspaceID, atLeast: Int = 1) async throws -> Int {
        let floor = Int32(clamping: max(atLeast, 1) - 1)
        let reserved = try await store.transaction("reserve model version") { [store] connection, logger -> Int32? in
            guard let key = try await store.workspaceKey(workspace, connection, logger) else { return nil }
            let rows = try await connection.query(
                """
                INSERT INTO model_version_counters AS c (workspace, last)
                VALUES (\(key), GREATEST(\(floor), (SELECT COALESCE(max(version), 0) FROM model_versions WHERE workspace = \(key))) + 1)
                ON CONFLICT (workspace) DO UPDATE
                SET last = GREATEST(c.last, \(floor), (SELECT COALESCE(max(version), 0) FROM model_versions WHERE workspace = \(key))) + 1
                RETURNING last
                """, logger: logger)
            var last: Int32?
            for try await value in rows.decode(Int32.self) { last = value }
            return last
        }
        return reserved.map(Int.init) ?? max(atLeast, 1)
    }

    /// The newest published version of each workspace.
    package func latestVersions() async throws -> [WorkspaceID: Int] {
        try await store.read("read model versions") { connection, logger in
            let rows = try await connection.query(
                """
                SELECT w.name, max(v.version) FROM model_versions v JOIN workspaces w ON w.pk = v.workspace
                GROUP BY w.name
                """, logger: logger)
            var latest: [WorkspaceID: Int] = [:]
            for try await (name, version) in rows.decode((String, Int32).self) {
                latest[WorkspaceID(unchecked: name)] = Int(version)
            }
            return latest
        }
    }

    /// The files of `version`, each checked whole against its stored length and SHA-256.
    /// - Throws: ``DamagedModelVersion`` when a file fails a check; `not_found` when there is no
    ///   such version; `storage_error` when the database fails.
    package func download(version: Int, in workspace: WorkspaceID) async throws -> [PublishedModelFile] {
        try await downloadRevision(version: version, in: workspace).files
    }

    /// ``download(version:in:)`` and the revision the files are of (``redact(erased:in:)`` bumps
    /// it), read in one snapshot of the database: a rewrite committing meanwhile is seen whole or
    /// not at all.
    package func downloadRevision(version: Int, in workspace: WorkspaceID) async throws -> (files: [PublishedModelFile], revision: Int) {
        let number = Int32(clamping: version)
        // A damaged copy is an answer, not a failure of the database: returned, so that the
        // store's retries neither repeat the download nor turn it into a storage error.
        let found = try await store.transaction("download model") { [store] connection, logger -> Result<([PublishedModelFile], Int32), DamagedModelVersion>? in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            guard let key = try await store.workspaceKey(workspace, connection, logger) else { return nil }
            var revision: Int32?
            let revisions = try await connection.query(
                "SELECT revision FROM model_versions WHERE workspace = \(key) AND version = \(number)", logger: logger)
            for try await value in revisions.decode(Int32.self) { revision = value }
            guard let revision else { return nil }
            var expected: [(name: String, bytes: Int64, sha256: ByteBuffer, chunks: Int32)] = []
            let rows = try await connection.query(
                """
                SELECT name, bytes, sha256, chunks FROM model_files
                WHERE workspace = \(key) AND version = \(number) ORDER BY name
                """, logger: logger)
            for try await row in rows.decode((String, Int64, ByteBuffer, Int32).self) { expected.append(row) }
            guard !expected.isEmpty else { return nil }
            do {
                return .success((try await Self.readChunks(of: expected, key: key, version: number, in: workspace, connection, logger), revision))
            } catch let damaged as DamagedModelVersion {
                return .failure(damaged)
            }
        }
        guard let found else { throw AttuneError.notFound("model version \(version)") }
        let (files, revision) = try found.get()
        guard files.contains(where: { $0.name == Self.snapshotName(version) }) else {
            throw DamagedModelVersion(workspace: workspace, version: version, reason: "the snapshot file is missing")
        }
        return (files, Int(revision))
    }

    private static func readChunks(
        of expected: [(name: String, bytes: Int64, sha256: ByteBuffer, chunks: Int32)], key: Int64, version number: Int32,
        in workspace: WorkspaceID, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> [PublishedModelFile] {
        let version = Int(number)
        var files: [PublishedModelFile] = []
        for file in expected {
            guard file.bytes >= 0, file.bytes < 1 << 40 else {
                throw DamagedModelVersion(workspace: workspace, version: version, reason: "\(file.name) has an impossible length")
            }
            var bytes: [UInt8] = []
            // The recorded length is only trusted up to a size any model may have; beyond, the array grows.
            bytes.reserveCapacity(Int(min(file.bytes, 1 << 30)))
            var next: Int32 = 0
            let chunks = try await connection.query(
                """
                SELECT chunk, data FROM model_chunks
                WHERE workspace = \(key) AND version = \(number) AND name = \(file.name) ORDER BY chunk
                """, logger: logger)
            for try await (chunk, data) in chunks.decode((Int32, ByteBuffer).self) {
                guard chunk == next, bytes.count + data.readableBytes <= Int(file.bytes) else {
                    throw DamagedModelVersion(
                        workspace: workspace, version: version, reason: "\(file.name): chunk \(next) is missing or too long")
                }
                bytes.append(contentsOf: data.readableBytesView)
                next += 1
            }
            guard next == file.chunks, bytes.count == Int(file.bytes) else {
                throw DamagedModelVersion(
                    workspace: workspace, version: version,
                    reason: "\(file.name): \(next) of \(file.chunks) chunks, \(bytes.count) of \(file.bytes) bytes")
            }
            guard Array(SHA256.hash(data: bytes)) == Array(file.sha256.readableBytesView) else {
                throw DamagedModelVersion(workspace: workspace, version: version, reason: "\(file.name): SHA-256 mismatch")
            }
            files.append(PublishedModelFile(name: file.name, bytes: bytes))
        }
        return files
    }

    /// Copies `version` into `files`' directory unless it is there (or, with `replacing`, over
    /// the copy there: a rewritten revision): the index first, then the snapshot, each written
    /// whole and renamed into place (``ModelFiles/writeAtomically(_:to:replacing:)``), so the
    /// registry never reads a part of one, nor a snapshot without its index.
    /// - Returns: the revision written, or `nil` when the snapshot was there already (and not replaced).
    /// - Throws: ``DamagedModelVersion`` (nothing is written); `storage_error`.
    @discardableResult
    package func materialise(
        version: Int, in workspace: WorkspaceID, into files: ModelFiles, replacing: Bool = false
    ) async throws -> Int? {
        let folder = files.folder(workspace)
        let snapshot = folder.appendingPathComponent(Self.snapshotName(version))
        if !replacing, FileManager.default.fileExists(atPath: snapshot.path) { return nil }
        let (downloaded, revision) = try await downloadRevision(version: version, in: workspace)
        let wrote = try await ModelTraining.offTheCooperativePool {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in downloaded where file.name != Self.snapshotName(version) {
                try ModelFiles.writeAtomically(file.bytes, to: folder.appendingPathComponent(file.name))
            }
            guard let model = downloaded.first(where: { $0.name == Self.snapshotName(version) }) else { return false }
            return try ModelFiles.writeAtomically(model.bytes, to: snapshot, replacing: replacing)
        }
        return wrote ? revision : nil
    }

    static func snapshotName(_ version: Int) -> String { "v\(version).model" }
    static func indexName(_ version: Int) -> String { "v\(version).index" }
}
