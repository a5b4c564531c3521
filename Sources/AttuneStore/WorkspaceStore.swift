import AttuneCore

/// Counts shown by `GET /v1/stats`.
package struct StoreStats: Sendable, Equatable, Codable {
    package var events: Int
    package var users: Int
    package var anonymousVisitors: Int
    package var items: Int
    package var availableItems: Int
    /// Events received for people without analytics consent: counted, never stored.
    package var withheldEvents: Int

    package init(
        events: Int = 0, users: Int = 0, anonymousVisitors: Int = 0, items: Int = 0, availableItems: Int = 0,
        withheldEvents: Int = 0
    ) {
        self.withheldEvents = withheldEvents
        self.events = events
        self.users = users
        self.anonymousVisitors = anonymousVisitors
        self.items = items
        self.availableItems = availableItems
    }
}

/// Tenants and their API keys.
package protocol WorkspaceStore: Sendable {
    /// Creates a workspace. - Throws: `AttuneError` `conflict` when it exists.
    func createWorkspace(_ id: WorkspaceID, at time: Timestamp) async throws
    /// Creates the workspace when missing; does nothing otherwise.
    func ensureWorkspace(_ id: WorkspaceID, at time: Timestamp) async throws
    func workspaces() async throws -> [WorkspaceID]

    func addKey(_ key: APIKeyRecord) async throws
    func keys() async throws -> [APIKeyRecord]
    /// Revokes every live key of `workspace` whose label is `label`.
    func revokeKeys(labelled label: String, in workspace: WorkspaceID, at time: Timestamp) async throws
    /// Revokes the key with handle `id` and returns it as revoked; `nil` when there is no such
    /// key. Revoking a revoked key keeps its first revocation time.
    func revokeKey(id: String, at time: Timestamp) async throws -> APIKeyRecord?

    func stats(of workspace: WorkspaceID) async throws -> StoreStats
}

/// Everything the engine needs from storage.
package typealias AttuneStorage = EventStore & CatalogStore & EmbeddingStore & IdentityStore & ProfileStore & WorkspaceStore
    & ExperimentStore & AuditStore & SegmentStore & WebhookStore & PersonalDataStore & ActivityStore & TextStore
    & ConsentStore & ImputationStore & IdentityResolutionStore & ProtectedValueStore & ProfileViewStore
