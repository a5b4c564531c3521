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
    /// - Throws: `not_found` when the snapshot file is missing; see ``publish(version:in:files:at:)``.
    package func publish(version: Int, in workspace: WorkspaceID, from files: ModelFiles, at now: Timestamp) async throws {
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
        try await publish(version: version, in: workspace, files: read, at: now)
    }

    /// Stores `files` as `version` of `workspace` and announces it, all in one transaction.
    /// - Throws: `invalid_value` when a name is not `v<version>.model` or `v<version>.index`, or the
    ///   snapshot is missing; `not_found` for an unknown workspace; `conflict` when the version was
    ///   published already (versions are never replaced); `storage_error` when the database fails.
    package func publish(version: Int, in workspace: WorkspaceID, files: [PublishedModelFile], at now: Timestamp) async throws {
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
                let chunks = Int32((file.bytes.count + chunkSize - 1) / chunkSize)
                try await connection.query(
                    """
                    INSERT INTO model_files (workspace, version, name, bytes, sha256, chunks)
                    VALUES (\(key), \(number), \(file.name), \(Int64(file.bytes.count)), \(ByteBuffer(bytes: digest)), \(chunks))
                    """, logger: logger)
                // One statement per chunk: each message stays one chunk long.
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
            // Delivered at COMMIT, and only if it commits.
            try await connection.query("SELECT pg_notify(\(Self.channel), \(announcement))", logger: logger)
        }
    }

    /// The version a new training should publish as: one more than the newest published. Two
    /// trainers that pick the same one find out at ``publish(version:in:files:at:)`` (a conflict).
    package func nextVersion(in workspace: WorkspaceID) async throws -> Int {
        try await store.read("read model versions") { [store] connection, logger in
            guard let key = try await store.workspaceKey(workspace, connection, logger) else { return 1 }
            let rows = try await connection.query(
                "SELECT COALESCE(max(version), 0) FROM model_versions WHERE workspace = \(key)", logger: logger)
            var newest: Int32 = 0
            for try await value in rows.decode(Int32.self) { newest = value }
            return Int(newest) + 1
        }
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
        let number = Int32(clamping: version)
        // A damaged copy is an answer, not a failure of the database: returned, so that the
        // store's retries neither repeat the download nor turn it into a storage error.
        let found = try await store.read("download model") { [store] connection, logger -> Result<[PublishedModelFile], DamagedModelVersion>? in
            guard let key = try await store.workspaceKey(workspace, connection, logger) else { return nil }
            var expected: [(name: String, bytes: Int64, sha256: ByteBuffer, chunks: Int32)] = []
            let rows = try await connection.query(
                """
                SELECT name, bytes, sha256, chunks FROM model_files
                WHERE workspace = \(key) AND version = \(number) ORDER BY name
                """, logger: logger)
            for try await row in rows.decode((String, Int64, ByteBuffer, Int32).self) { expected.append(row) }
            guard !expected.isEmpty else { return nil }
            do {
                return .success(try await Self.readChunks(of: expected, key: key, version: number, in: workspace, connection, logger))
            } catch let damaged as DamagedModelVersion {
                return .failure(damaged)
            }
        }
        guard let found else { throw AttuneError.notFound("model version \(version)") }
        let files = try found.get()
        guard files.contains(where: { $0.name == Self.snapshotName(version) }) else {
            throw DamagedModelVersion(workspace: workspace, version: version, reason: "the snapshot file is missing")
        }
        return files
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

    /// Copies `version` into `files`' directory unless it is there: the index first, then the
    /// snapshot, each written whole and renamed into place (``ModelFiles/writeAtomically(_:to:replacing:)``),
    /// so the registry never reads a part of one, nor a snapshot without its index.
    /// - Returns: whether this call wrote the snapshot.
    /// - Throws: ``DamagedModelVersion`` (nothing is written); `storage_error`.
    @discardableResult
    package func materialise(version: Int, in workspace: WorkspaceID, into files: ModelFiles) async throws -> Bool {
        let folder = files.folder(workspace)
        let snapshot = folder.appendingPathComponent(Self.snapshotName(version))
        if FileManager.default.fileExists(atPath: snapshot.path) { return false }
        let downloaded = try await download(version: version, in: workspace)
        return try await ModelTraining.offTheCooperativePool {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in downloaded where file.name != Self.snapshotName(version) {
                try ModelFiles.writeAtomically(file.bytes, to: folder.appendingPathComponent(file.name))
            }
            guard let model = downloaded.first(where: { $0.name == Self.snapshotName(version) }) else { return false }
            return try ModelFiles.writeAtomically(model.bytes, to: snapshot, replacing: false)
        }
    }

    static func snapshotName(_ version: Int) -> String { "v\(version).model" }
    static func indexName(_ version: Int) -> String { "v\(version).index" }
}
