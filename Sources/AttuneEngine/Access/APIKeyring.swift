import AttuneCore
import AttuneStore
import Crypto
import Foundation
import Synchronization

/// Who a request is: the workspace and scope its key grants.
package struct Principal: Sendable, Equatable {
    package var workspace: WorkspaceID
    package var scope: AccessScope
    package var keyID: String

    package init(workspace: WorkspaceID, scope: AccessScope, keyID: String) {
        self.workspace = workspace
        self.scope = scope
        self.keyID = keyID
    }
}

/// Resolves bearer keys to principals. Only SHA-256 digests are held, in memory and in the store.
///
/// Keys created by another process (the CLI beside a running server) are picked up on the next
/// unknown key, at most once a second, so a flood of bad keys cannot hammer the store.
package final class APIKeyring: Sendable {
    private struct Snapshot {
        var byDigest: [Data: APIKeyRecord] = [:]
        var loadedAt: ContinuousClock.Instant?
    }

    private let store: any WorkspaceStore
    private let snapshot = Mutex(Snapshot())

    package init(store: any WorkspaceStore) {
        self.store = store
    }

    package func reload() async throws {
        let keys = try await store.keys()
        var byDigest: [Data: APIKeyRecord] = [:]
        for key in keys where key.revokedAt == nil { byDigest[Data(key.digest)] = key }
        snapshot.withLock {
            $0.byDigest = byDigest
            $0.loadedAt = .now
        }
    }

    /// The principal for a presented key, or `nil` when it is unknown or revoked.
    package func authenticate(_ presented: String) async -> Principal? {
        guard !presented.isEmpty, presented.utf8.count <= 256 else { return nil }
        let digest = Data(SHA256.hash(data: Data(presented.utf8)))
        if let principal = lookup(digest) { return principal }
        let stale = snapshot.withLock { s in s.loadedAt.map { ContinuousClock.now - $0 > .seconds(1) } ?? true }
        if stale {
            try? await reload()
            return lookup(digest)
        }
        return nil
    }

    private func lookup(_ digest: Data) -> Principal? {
        guard let record = snapshot.withLock({ $0.byDigest[digest] }) else { return nil }
        // The dictionary found the entry by digest; compare again in constant time so that the
        // decision never depends on a short-circuiting byte comparison.
        guard constantTimeEqual(record.digest, Array(digest)) else { return nil }
        return Principal(workspace: record.workspace, scope: record.scope, keyID: record.id)
    }
}

/// Compares two byte strings in time that depends only on their length.
package func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for i in 0..<a.count { difference |= a[i] ^ b[i] }
    return difference == 0
}
