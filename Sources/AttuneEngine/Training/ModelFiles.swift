import AttuneCore
import Foundation

/// Versioned model snapshots in the data directory: `models/<workspace>/v<version>.model`.
///
/// A snapshot is written to a temporary file, fsynced and renamed into place, so a reader never
/// sees a partial model and a crash never leaves one behind.
package struct ModelFiles: Sendable {
    package let directory: URL

    package init(dataDirectory: String) {
        directory = URL(fileURLWithPath: dataDirectory).appendingPathComponent("models")
    }

    func folder(_ workspace: WorkspaceID) -> URL {
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

    package func save(_ snapshot: ModelSnapshot) throws {
        let folder = folder(snapshot.workspace)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let final = folder.appendingPathComponent("v\(snapshot.version).model")
        guard !FileManager.default.fileExists(atPath: final.path) else {
            throw AttuneError(code: .conflict, message: "model version \(snapshot.version) already exists")
        }
        let temporary = folder.appendingPathComponent(".v\(snapshot.version).model.tmp")
        let bytes = snapshot.serialized()
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(bytes)) else {
            throw AttuneError(code: .storage, message: "cannot write the model file")
        }
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.synchronize()
        try handle.close()
        try FileManager.default.moveItem(at: temporary, to: final)
    }

    package func load(version: Int, in workspace: WorkspaceID) throws -> ModelSnapshot {
        let url = folder(workspace).appendingPathComponent("v\(version).model")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw AttuneError.notFound("model version \(version)")
        }
        return try ModelSnapshot(serialized: Array(data))
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
        var rewritten = 0
        for version in versions(in: workspace) {
            let snapshot = try load(version: version, in: workspace)
            guard let redacted = snapshot.redactingUsers(where: { $0 == user.rawValue }) else { continue }
            let final = folder(workspace).appendingPathComponent("v\(version).model")
            let temporary = folder(workspace).appendingPathComponent(".v\(version).model.redact")
            guard FileManager.default.createFile(atPath: temporary.path, contents: Data(redacted.serialized())) else {
                throw AttuneError(code: .storage, message: "cannot write the model file")
            }
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.synchronize()
            try handle.close()
            // rename(2) replaces the old file atomically: a reader sees the old or the new snapshot.
            guard rename(temporary.path, final.path) == 0 else {
                throw AttuneError(code: .storage, message: "cannot replace the model file")
            }
            rewritten += 1
        }
        return rewritten
    }
}
