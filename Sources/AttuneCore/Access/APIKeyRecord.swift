/// A stored API key: only the SHA-256 digest of the secret is kept.
package struct APIKeyRecord: Sendable, Equatable {
    /// Short public handle (the key's first characters) for listings and revocation.
    package var id: String
    package var workspace: WorkspaceID
    package var scope: AccessScope
    package var digest: [UInt8]
    package var label: String
    package var createdAt: Timestamp
    package var revokedAt: Timestamp?
    /// This key's own request rate (requests per second), overriding the server's default.
    package var rate: Double?

    package init(
        id: String, workspace: WorkspaceID, scope: AccessScope, digest: [UInt8], label: String,
        createdAt: Timestamp, revokedAt: Timestamp? = nil, rate: Double? = nil
    ) {
        self.id = id
        self.workspace = workspace
        self.scope = scope
        self.digest = digest
        self.label = label
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.rate = rate
    }
}
