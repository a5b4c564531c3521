import AttuneCore
import AttuneStore

/// `attune keys rotate`: a new encryption key becomes current and every protected value of every
/// workspace is encrypted again under it. The matching key stays, so tokens keep matching. Older
/// encryption keys stay in the file: a server started before the rotation still encrypts with
/// the key it loaded until it restarts, and those values must stay readable (a second rotation
/// after the restart moves them too). Interrupted, it can simply be run again.
package struct PIIKeyRotation: Sendable {
    let store: any IdentityStore & WorkspaceStore & AuditStore
    let clock: any WallClock
    let dataDirectory: String

    package init(store: any IdentityStore & WorkspaceStore & AuditStore, clock: any WallClock, dataDirectory: String) {
        self.store = store
        self.clock = clock
        self.dataDirectory = dataDirectory
    }

    /// - Returns: the new key's id and how many users' attributes were encrypted again.
    /// - Throws: `AttuneError` when the keys come from the environment (the file is what rotates).
    package func run(environment: [String: String], actor: String) async throws -> (key: String, users: Int) {
        if let text = environment[PIIKeys.environmentVariable], !text.isEmpty {
            throw AttuneError.invalid(
                PIIKeys.environmentVariable, "the keys come from the environment: rotate them there, then restart")
        }
        let keys = try PIIKeys.load(dataDirectory: dataDirectory, environment: [:]).rotated()
        try keys.save(dataDirectory: dataDirectory)
        let protection = PIIProtection(keys: keys)
        var users = 0
        for workspace in try await store.workspaces() {
            var cursor: UserID?
            while true {
                let page = try await store.traits(in: workspace, after: cursor, limit: 500)
                var updates: [Identify] = []
                for (user, traits) in page {
                    guard let again = try protection.reencrypted(traits) else { continue }
                    updates.append(Identify(anonymousID: nil, userID: user, traits: again, timestamp: clock.now()))
                }
                if !updates.isEmpty { try await store.record(updates, in: workspace) }
                users += updates.count
                guard let last = page.last, page.count == 500 else { break }
                cursor = last.user
            }
        }
        try await AuditLog(store: store, clock: clock).record(
            .piiKeyRotated, actor: actor, detail: "key=\(keys.current) users=\(users)")
        return (keys.current, users)
    }
}
