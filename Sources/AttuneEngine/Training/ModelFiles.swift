import AttuneCore
import AttuneML
import Foundation

/// Versioned model snapshots in the data directory: `models/<workspace>/v<version>.model`, and
/// beside a factor model over a large catalogue its retrieval index, `v<version>.index`
/// (``ModelIndexFile``), named in the snapshot's metadata under `index`.
///
/// A file is written to a temporary file, fsynced and renamed into place, so a reader never
/// sees a partial model and a crash never leaves one behind. The index is renamed into place
/// before the snapshot, so a snapshot that names an index is never visible without it.
///
/// A version is chosen before training (``nextVersion(in:)``), so two trainings (the command line
/// and the server) can pick the same one: saving takes an exclusive lock on the version
/// (`.v<version>.lock`, released by the system if the process dies) and puts the snapshot in
/// place with link(2), which never replaces a file, so the second save fails with a conflict
/// instead of overwriting the first.
package struct ModelFiles: Sendable {
    package let directory: URL
    /// Factor models over at least this many items get their index built and saved with them.
    package var indexMinimumItems = FactorRetrieval.minimumItems
    /// Threads that build the index at save.
    package var indexThreads = 2

    package init(dataDirectory: String) {
        directory = URL(fileURLWithPath: dataDirectory).appendingPathComponent("models")
    }

    package func folder(_ workspace: WorkspaceID) -> URL {
        directory.appendingPathComponent(workspace.rawValue)
    }

    /// Stored versions, oldest first.
    package func versions(in workspace: WorkspaceID) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder(workspace).path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("v"), name.hasSuffix(".model") else { return nil }
            return Int(name.dropFirst().dropLast(6))
        }.sorted()
    }

    package func nextVersion(in workspace: WorkspaceID) -> Int {
        (versions(in: workspace).last ?? 0) + 1
    }

    /// Writes `snapshot`, and first its retrieval index when it is a factor model over at least
    /// ``indexMinimumItems`` items. Returns the snapshot as saved (its metadata then names the index).
    /// - Complexity: the index build, O(n log n x efConstruction x M x d): call off the
    ///   cooperative pool for a large catalogue.
    @discardableResult
    package func save(_ snapshot: ModelSnapshot) throws -> ModelSnapshot {
        let folder = folder(snapshot.workspace)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let final = folder.appendingPathComponent("v\(snapshot.version).model")
        let taken = AttuneError(
            code: .conflict, message: "model version \(snapshot.version) already exists: another training saved it; train again")
        let lock = open(folder.appendingPathComponent(".v\(snapshot.version).lock").path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw AttuneError(code: .storage, message: "cannot lock model version \(snapshot.version)") }
        defer { close(lock) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else { throw taken }
        guard !FileManager.default.fileExists(atPath: final.path) else { throw taken }
        var snapshot = snapshot
        let recommender = snapshot.model.model
        if let index = FactorRetrieval.buildIndex(for: recommender, minimumItems: indexMinimumItems, threads: indexThreads),
            let fingerprint = ModelIndexFile.fingerprint(of: recommender)
        {
            let name = "v\(snapshot.version).index"
            try Self.writeAtomically(
                ModelIndexFile.encode(index, itemCount: snapshot.items.count, fingerprint: fingerprint),
                to: folder.appendingPathComponent(name))
            if case .object(var members) = snapshot.metadata {
                members.removeAll { $0.key == "index" }
                members.append(("index", .object([
                    ("file", .string(name)), ("kind", .string("hnsw")), ("items", .number(Double(index.count))),
                    ("dimension", .number(Double(index.dimension))),
                    ("fingerprint", .string(String(fingerprint, radix: 16))),
                ])))
                snapshot.metadata = .object(members)
            }
        }
        guard try Self.writeAtomically(snapshot.serialized(), to: final, replacing: false) else { throw taken }
        return snapshot
    }

    /// Writes `bytes` to a temporary file of its own, fsyncs it and puts it at `final`: renamed
    /// over an existing file when `replacing`, else linked, which fails when `final` exists.
    /// - Returns: `false` when `final` existed and `replacing` is off (nothing was written there).
    @discardableResult
    package static func writeAtomically(_ bytes: [UInt8], to final: URL, replacing: Bool = true) throws -> Bool {
        let temporary = final.deletingLastPathComponent().appendingPathComponent(
            ".\(final.lastPathComponent).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(bytes)) else {
            throw AttuneError(code: .storage, message: "cannot write the model file")
        }
        defer { unlink(temporary.path) }
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.synchronize()
        try handle.close()
        if replacing {
            // rename(2) replaces the old file atomically: a reader sees the old or the new file.
            guard rename(temporary.path, final.path) == 0 else {
                throw AttuneError(code: .storage, message: "cannot move the model file into place")
            }
            return true
        }
        guard link(temporary.path, final.path) == 0 else {
            if errno == EEXIST { return false }
            throw AttuneError(code: .storage, message: "cannot move the model file into place")
        }
        return true
    }

    /// What serving can take from a snapshot's stored index.
    package enum StoredIndex: Sendable {
        /// The snapshot names no index (a small catalogue or a model without factors).
        case none
        case loaded(HNSWIndex)
        /// Named but missing, unreadable, damaged or built for other factors: the reason.
        case unusable(String)
    }

    /// The index saved with `snapshot`, checked against its model (``ModelIndexFile``).
    package func loadIndex(for snapshot: ModelSnapshot) -> StoredIndex {
        guard case .string(let name)? = snapshot.metadata["index"]?["file"] else { return .none }
        // The name comes from a file: only ever read a sibling of the snapshot.
        guard !name.contains("/"), !name.hasPrefix(".") else { return .unusable("index file name is not a plain name") }
        let url = folder(snapshot.workspace).appendingPathComponent(name)
        guard let file = BinaryFile(path: url.path) else { return .unusable("index file is missing") }
        do {
            return .loaded(try ModelIndexFile.decode(file, for: snapshot.model.model))
        } catch {
            return .unusable(error.description)
        }
    }

    package func load(version: Int, in workspace: WorkspaceID) throws -> ModelSnapshot {
        let url = folder(workspace).appendingPathComponent("v\(version).model")
        guard let file = BinaryFile(path: url.path) else { throw AttuneError.notFound("model version \(version)") }
        return try ModelSnapshot(file: file)
    }

    /// The identity of a stored snapshot's file (inode and modification time): it changes when the
    /// file is rewritten, as an erasure does. `nil` when there is no such file.
    package func stamp(version: Int, in workspace: WorkspaceID) -> String? {
        let path = folder(workspace).appendingPathComponent("v\(version).model").path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(inode)/\(modified)"
    }

    /// The version an operator pinned with `attune models promote|rollback`, if any.
    package func pinnedVersion(in workspace: WorkspaceID) -> Int? {
        guard let data = FileManager.default.contents(atPath: folder(workspace).appendingPathComponent("pinned").path),
            let text = String(data: data, encoding: .utf8)
        else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Pins `version` (it must exist), or removes the pin with `nil` so the newest is served.
    package func pin(_ version: Int?, in workspace: WorkspaceID) throws {
        let url = folder(workspace).appendingPathComponent("pinned")
        guard let version else {
            try? FileManager.default.removeItem(at: url)
            return
        }
        guard versions(in: workspace).contains(version) else { throw AttuneError.notFound("model version \(version)") }
        try Data("\(version)\n".utf8).write(to: url, options: .atomic)
    }

    /// Deletes `version`'s snapshot, then its index (the snapshot names the index: never left
    /// without it). Nothing happens for a version that is not stored.
    package func remove(version: Int, in workspace: WorkspaceID) {
        let folder = folder(workspace)
        unlink(folder.appendingPathComponent("v\(version).model").path)
        unlink(folder.appendingPathComponent("v\(version).index").path)
    }

    /// The newest snapshot, or `nil` when nothing has been trained.
    package func latest(in workspace: WorkspaceID) throws -> ModelSnapshot? {
        guard let version = versions(in: workspace).last else { return nil }
        return try load(version: version, in: workspace)
    }
}

extension ModelFiles {
    /// Rewrites every stored snapshot of the workspace that names `user`, with a placeholder in
    /// its place (``ModelSnapshot/redactingUsers(where:)``): written to a temporary file, fsynced
    /// and renamed over the old one. Returns how many snapshots were rewritten.
    package func redact(user: UserID, in workspace: WorkspaceID) throws -> Int {
        try redact(in: workspace) { $0 == user.rawValue }
    }

    /// ``redact(user:in:)`` for every user whose id hashes to one of `digests` (the erased users),
    /// in one rewrite of each snapshot.
    package func redact(erased digests: Set<[UInt8]>, in workspace: WorkspaceID) throws -> Int {
        guard !digests.isEmpty else { return 0 }
        var filter = ErasedUserFilter(digests: digests)
        return try redact(in: workspace) { filter.isErased($0) }
    }

    private func redact(in workspace: WorkspaceID, where isErased: (String) -> Bool) throws -> Int {
        // Two erasures that both read a snapshot before either renames its copy in would leave the
        // later copy holding the id the earlier one removed: the rewrites take turns, across processes.
        guard !versions(in: workspace).isEmpty else { return 0 }
        let models = folder(workspace)
        let lock = open(models.appendingPathComponent(".redact.lock").path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw AttuneError(code: .storage, message: "cannot lock the model files for redaction") }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw AttuneError(code: .storage, message: "cannot lock the model files for redaction")
            }
        }
        var rewritten = 0
        for version in versions(in: workspace) {
            let snapshot = try load(version: version, in: workspace)
            guard let redacted = snapshot.redactingUsers(where: isErased) else { continue }
            let final = models.appendingPathComponent("v\(version).model")
            try Self.writeAtomically(redacted.serialized(), to: final)
            rewritten += 1
        }
        return rewritten
    }
}
