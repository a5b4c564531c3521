import AttuneCore
import AttuneStore
import Foundation

/// Sets up the default workspace's keys when a server starts.
///
/// `ATTUNE_ADMIN_KEY` / `ATTUNE_WRITE_KEY` win when set. Otherwise keys are generated once,
/// their digests stored, and the keys themselves kept in `credentials.json` (mode 0600) in the
/// data directory so that they can be shown at each start-up. A key revoked with
/// `attune keys revoke` stays revoked across restarts; every change is audited.
package struct KeyProvisioning: Sendable {
    package enum Source: Sendable, Equatable {
        case environment
        case generatedNow
        case credentialsFile
    }

    package struct Outcome: Sendable {
        package var source: Source
        /// The keys to show the operator; `nil` for keys that came from the environment, and for
        /// a saved key that has since been revoked.
        package var adminKey: String?
        package var writeKey: String?
        package var credentialsPath: String
    }

    package static let credentialsFileName = "credentials.json"

    let store: any WorkspaceStore & AuditStore
    let clock: any WallClock
    /// Whether a changed or removed environment key revokes the one it replaces. Off where
    /// processes share a database: one replica's start-up must not revoke keys the others (and
    /// their clients) still use; revoking is then `attune keys revoke`'s.
    package var replacesEarlierKeys = true

    package init(store: any WorkspaceStore & AuditStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    private var audit: AuditLog { AuditLog(store: store, clock: clock) }

    package func provision(dataDirectory: String, adminKey: String?, writeKey: String?) async throws -> Outcome {
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(Self.credentialsFileName).path
        if adminKey != nil || writeKey != nil {
            // Both keys are checked before anything is stored.
            if let adminKey { try APIKeyFactory.validateSupplied(adminKey, name: "ATTUNE_ADMIN_KEY") }
            if let writeKey { try APIKeyFactory.validateSupplied(writeKey, name: "ATTUNE_WRITE_KEY") }
            try await store.ensureWorkspace(.default, at: clock.now())
            try await install(adminKey, scope: .admin, label: "env:admin", name: "ATTUNE_ADMIN_KEY")
            try await install(writeKey, scope: .write, label: "env:write", name: "ATTUNE_WRITE_KEY")
            return Outcome(source: .environment, adminKey: nil, writeKey: nil, credentialsPath: path)
        }
        try await store.ensureWorkspace(.default, at: clock.now())
        if let saved = try Self.readCredentials(path) {
            let admin = try await install(saved.admin, scope: .admin, label: "generated:admin", name: nil)
            let write = try await install(saved.write, scope: .write, label: "generated:write", name: nil)
            return Outcome(
                source: .credentialsFile, adminKey: admin ? saved.admin : nil, writeKey: write ? saved.write : nil,
                credentialsPath: path)
        }
        let admin = APIKeyFactory.generate(scope: .admin)
        let write = APIKeyFactory.generate(scope: .write)
        try Self.writeCredentials(path, admin: admin, write: write)
        try await install(admin, scope: .admin, label: "generated:admin", name: nil)
        try await install(write, scope: .write, label: "generated:write", name: nil)
        return Outcome(source: .generatedNow, adminKey: admin, writeKey: write, credentialsPath: path)
    }

    /// Makes `key` the one live key labelled `label` in the default workspace, auditing what
    /// changed. A key that was revoked stays revoked: a restart never brings it back.
    /// - Parameter name: the environment variable it came from; such a key, when revoked, stops
    ///   the start-up (the operator must set a new one). Without a name a revoked key is skipped.
    /// - Returns: whether `key` is live.
    @discardableResult
    private func install(_ key: String?, scope: AccessScope, label: String, name: String?) async throws -> Bool {
        let now = clock.now()
        let all = try await store.keys()
        let existing = all.filter { $0.workspace == .default }
        let digest = key.map(APIKeyFactory.digest(of:))
        // Digests are unique across workspaces: a key of another workspace is never taken over.
        if let digest, let stored = all.first(where: { $0.digest == digest }),
            stored.revokedAt != nil || stored.workspace != .default
        {
            if let name {
                let problem = stored.revokedAt != nil ? "a revoked key" : "a key of another workspace"
                throw AttuneError(code: .conflict, message: "\(name) holds \(problem); set a new one", field: name)
            }
            return false
        }
        // A changed (or removed) environment key replaces the previous one.
        for old in existing where replacesEarlierKeys && old.label == label && old.revokedAt == nil && old.digest != digest {
            _ = try await store.revokeKey(id: old.id, at: now)
            try await audit.record(.keyRevoked, actor: AuditLog.commandLineActor, workspace: .default, subject: old.id)
        }
        guard let key, let digest else { return false }
        if existing.contains(where: { $0.digest == digest }) { return true }
        let record = APIKeyFactory.record(for: key, workspace: .default, scope: scope, label: label, now: now)
        do {
            try await store.addKey(record)
        } catch let error as AttuneError where error.code == .conflict {
            // Another process sharing the database installed the same key meanwhile.
            let stored = try await store.keys()
            if stored.contains(where: { $0.digest == digest && $0.workspace == .default && $0.revokedAt == nil }) { return true }
            throw error
        }
        try await audit.record(
            .keyCreated, actor: AuditLog.commandLineActor, workspace: .default, subject: record.id,
            detail: "scope=\(scope.rawValue) label=\(label)")
        return true
    }

    /// Creates a workspace with a fresh admin and write key; the keys are returned once and
    /// only their digests are stored.
    package func createWorkspace(_ id: WorkspaceID, actor: String = AuditLog.commandLineActor) async throws
        -> (admin: String, write: String)
    {
        let now = clock.now()
        try await store.createWorkspace(id, at: now)
        try await audit.record(.workspaceCreated, actor: actor, workspace: id, subject: id.rawValue)
        let admin = APIKeyFactory.generate(scope: .admin)
        let write = APIKeyFactory.generate(scope: .write)
        for (key, scope) in [(admin, AccessScope.admin), (write, .write)] {
            let record = APIKeyFactory.record(for: key, workspace: id, scope: scope, label: "initial:\(scope.rawValue)", now: now)
            try await store.addKey(record)
            try await audit.record(
                .keyCreated, actor: actor, workspace: id, subject: record.id, detail: "scope=\(scope.rawValue) label=\(record.label)")
        }
        return (admin, write)
    }

    static func readCredentials(_ path: String) throws -> (admin: String, write: String)? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let json = try JSONParser().parse(Array(data))
        guard let admin = json["adminKey"]?.stringValue, let write = json["writeKey"]?.stringValue else {
            throw AttuneError(code: .storage, message: "\(path) is damaged; delete it to generate new keys")
        }
        return (admin, write)
    }

    static func writeCredentials(_ path: String, admin: String, write: String) throws {
        let text = JSONValue.object([("adminKey", .string(admin)), ("writeKey", .string(write))]).serialized() + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { throw AttuneError(code: .storage, message: "cannot write \(path)") }
    }
}
