import AttuneCore
import AttuneStore

/// Creating, listing and revoking API keys, each change audited. A new key is returned once;
/// only its digest is stored.
package struct KeyAdministration: Sendable {
    /// Labels are shown in listings and logs: short, printable, no control characters.
    package static let maximumLabelLength = 64

    let store: any WorkspaceStore & AuditStore
    let clock: any WallClock

    package init(store: any WorkspaceStore & AuditStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    private var audit: AuditLog { AuditLog(store: store, clock: clock) }

    /// Makes a key for `workspace`.
    /// - Parameter rate: the key's own limit in requests per second; `nil` for the server's default.
    /// - Throws: `AttuneError` `invalid_value` for a bad label or rate, `not_found` for an
    ///   unknown workspace.
    package func create(
        workspace: WorkspaceID, scope: AccessScope, label: String, rate: Double?, actor: String
    ) async throws -> (key: String, record: APIKeyRecord) {
        try Self.validate(label: label)
        if let rate { _ = try RateLimit(perSecond: rate, burst: 1) }
        guard try await store.workspaces().contains(workspace) else { throw AttuneError.notFound("workspace") }
        let key = APIKeyFactory.generate(scope: scope)
        var record = APIKeyFactory.record(for: key, workspace: workspace, scope: scope, label: label, now: clock.now())
        record.rate = rate
        try await store.addKey(record)
        try await audit.record(
            .keyCreated, actor: actor, workspace: workspace, subject: record.id,
            detail: "scope=\(scope.rawValue) label=\(label)" + (rate.map { " rate=\($0)" } ?? ""))
        return (key, record)
    }

    /// Revokes a key by its handle.
    /// - Throws: `AttuneError` `not_found` for an unknown handle, `conflict` when already revoked.
    package func revoke(id: String, actor: String) async throws -> APIKeyRecord {
        guard let before = try await store.keys().first(where: { $0.id == id }) else { throw AttuneError.notFound("key") }
        guard before.revokedAt == nil else {
            throw AttuneError(code: .conflict, message: "the key is already revoked", field: "id")
        }
        guard let revoked = try await store.revokeKey(id: id, at: clock.now()) else { throw AttuneError.notFound("key") }
        try await audit.record(.keyRevoked, actor: actor, workspace: revoked.workspace, subject: id)
        return revoked
    }

    static func validate(label: String) throws(AttuneError) {
        guard !label.isEmpty, label.count <= maximumLabelLength else {
            throw .invalid("label", "must be 1 to \(maximumLabelLength) characters")
        }
        for scalar in label.unicodeScalars where scalar.properties.generalCategory == .control {
            throw .invalid("label", "must not contain control characters")
        }
    }
}
