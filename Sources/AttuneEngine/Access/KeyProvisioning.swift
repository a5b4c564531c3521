import AttuneCore
import AttuneStore
import Foundation

/// Sets up the default workspace's keys when a server starts.
///
/// `ATTUNE_ADMIN_KEY` / `ATTUNE_WRITE_KEY` win when set. Otherwise keys are generated once,
/// their digests stored, and the keys themselves kept in `credentials.json` (mode 0600) in the
/// data directory so that they can be shown at each start-up.
package struct KeyProvisioning: Sendable {
    package enum Source: Sendable, Equatable {
        case environment
        case generatedNow
        case credentialsFile
    }

    package struct Outcome: Sendable {
        package var source: Source
        /// The keys to show the operator; `nil` for keys that came from the environment.
        package var adminKey: String?
        package var writeKey: String?
        package var credentialsPath: String
    }

    package static let credentialsFileName = "credentials.json"

    let store: any WorkspaceStore & AuditStore
    let clock: any WallClock

    package init(store: any WorkspaceStore & AuditStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    private var audit: AuditLog { AuditLog(store: store, clock: clock) }

    package func provision(dataDirectory: String, adminKey: String?, writeKey: String?) async throws -> Outcome {
        let now = clock.now()
        try await store.ensureWorkspace(.default, at: now)
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(Self.credentialsFileName).path
        if adminKey != nil || writeKey != nil {
            for (key, scope, name) in [(adminKey, AccessScope.admin, "ATTUNE_ADMIN_KEY"), (writeKey, .write, "ATTUNE_WRITE_KEY")] {
                let label = "env:\(scope.rawValue)"
                // A changed environment key replaces the previous one.
                try await store.revokeKeys(labelled: label, in: .default, at: now)
                guard let key else { continue }
                try APIKeyFactory.validateSupplied(key, name: name)
                try await store.addKey(APIKeyFactory.record(for: key, workspace: .default, scope: scope, label: label, now: now))
            }
            return Outcome(source: .environment, adminKey: nil, writeKey: nil, credentialsPath: path)
        }
        if let saved = try Self.readCredentials(path) {
            for (key, scope) in [(saved.admin, AccessScope.admin), (saved.write, .write)] {
                try await store.addKey(
                    APIKeyFactory.record(for: key, workspace: .default, scope: scope, label: "generated:\(scope.rawValue)", now: now))
            }
            return Outcome(source: .credentialsFile, adminKey: saved.admin, writeKey: saved.write, credentialsPath: path)
        }
        let admin = APIKeyFactory.generate(scope: .admin)
        let write = APIKeyFactory.generate(scope: .write)
        try Self.writeCredentials(path, admin: admin, write: write)
        for (key, scope) in [(admin, AccessScope.admin), (write, .write)] {
            let record = APIKeyFactory.record(
                for: key, workspace: .default, scope: scope, label: "generated:\(scope.rawValue)", now: now)
            try await store.addKey(record)
            try await audit.record(
                .keyCreated, actor: AuditLog.commandLineActor, workspace: .default, subject: record.id,
                detail: "scope=\(scope.rawValue) label=\(record.label)")
        }
        return Outcome(source: .generatedNow, adminKey: admin, writeKey: write, credentialsPath: path)
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
