import AttuneCore
import AttuneStore
import Crypto
import Foundation

/// Who a request is: the workspace and scope its key grants, and the key's rate limiter.
package struct Principal: Sendable, Equatable {
    package var workspace: WorkspaceID
    package var scope: AccessScope
    package var keyID: String
    /// `nil` when requests of this key are not limited.
    package var limiter: TokenBucket?

    package init(workspace: WorkspaceID, scope: AccessScope, keyID: String, limiter: TokenBucket? = nil) {
        self.workspace = workspace
        self.scope = scope
        self.keyID = keyID
        self.limiter = limiter
    }

    /// Two principals are the same caller; which bucket object limits them does not matter.
    package static func == (lhs: Principal, rhs: Principal) -> Bool {
        lhs.workspace == rhs.workspace && lhs.scope == rhs.scope && lhs.keyID == rhs.keyID
    }
}

/// Resolves bearer keys to principals. Only SHA-256 digests are held, in memory and in the store.
///
/// The keyring is a snapshot of the store's live keys, replaced whole by `reload()`. Keys created
/// or revoked by another process (the CLI beside a running server) take effect at the next
/// reload: `KeyringRefresher` reloads on a short interval, and an unknown key triggers one at
/// most once a second, so a new key usually works at once and a flood of bad keys cannot hammer
/// the store.
///
/// Each key's token bucket survives reloads as long as its limit is unchanged, so reloading never
/// refills a bucket.
package final class APIKeyring: Sendable {
    private struct Entry {
        var record: APIKeyRecord
        var limiter: TokenBucket?
    }

    private struct Snapshot {
        var byDigest: [KeyDigest: Entry] = [:]
        /// The last reload asked for by an unknown key (not the periodic ones), which it throttles.
        var unknownKeyReloadAt: ContinuousClock.Instant?
        var defaultLimit: RateLimit?
    }

    private let store: any WorkspaceStore
    private let snapshot: Locked<Snapshot>

    /// - Parameter rateLimit: the limit of keys without one of their own; `nil` leaves them unlimited.
    package init(store: any WorkspaceStore, rateLimit: RateLimit? = nil) {
        self.store = store
        self.snapshot = Locked(Snapshot(defaultLimit: rateLimit))
    }

    /// Changes the default limit; keys pick it up at once.
    package func setDefaultRateLimit(_ limit: RateLimit?) {
        snapshot.withLock { s in
            s.defaultLimit = limit
            for (digest, entry) in s.byDigest {
                s.byDigest[digest] = Self.entry(entry.record, previous: entry, defaultLimit: limit)
            }
        }
    }

    /// Replaces the snapshot with the store's live keys.
    package func reload() async throws {
        let keys = try await store.keys()
        snapshot.withLock { s in
            var byDigest: [KeyDigest: Entry] = [:]
            for key in keys where key.revokedAt == nil {
                guard let digest = KeyDigest(key.digest) else { continue }
                byDigest[digest] = Self.entry(key, previous: s.byDigest[digest], defaultLimit: s.defaultLimit)
            }
            s.byDigest = byDigest
        }
    }

    private static func entry(_ record: APIKeyRecord, previous: Entry?, defaultLimit: RateLimit?) -> Entry {
        let limit = limit(of: record, defaultLimit: defaultLimit)
        if let previous, previous.limiter?.limit == limit { return Entry(record: record, limiter: previous.limiter) }
        return Entry(record: record, limiter: limit.map(TokenBucket.init(limit:)))
    }

    /// A key's own rate replaces the default rate; the burst stays the default's, or one
    /// second's worth of requests when there is no default.
    static func limit(of record: APIKeyRecord, defaultLimit: RateLimit?) -> RateLimit? {
        guard let rate = record.rate else { return defaultLimit }
        let burst = defaultLimit?.burst ?? Int(min(rate.rounded(.up), Double(RateLimit.maximumBurst)))
        return try? RateLimit(perSecond: rate, burst: max(1, burst))
    }

    /// The principal for a presented key, or `nil` when it is unknown or revoked.
    package func authenticate(_ presented: String) async -> Principal? {
        guard !presented.isEmpty, presented.utf8.count <= 256 else { return nil }
        let digest = KeyDigest(of: presented)
        if let principal = lookup(digest) { return principal }
        // A key made a moment ago by another process works at once; a flood of bad keys costs
        // at most one reload a second.
        let due = snapshot.withLock { s in
            let now = ContinuousClock.now
            guard s.unknownKeyReloadAt.map({ now - $0 > .seconds(1) }) ?? true else { return false }
            s.unknownKeyReloadAt = now
            return true
        }
        guard due else { return nil }
        try? await reload()
        return lookup(digest)
    }

    /// The live key whose handle is `keyID`, as a principal; `nil` for an unknown key or, from the
    /// next reload on, a revoked one. For sessions that remember which key signed in, never the key.
    package func principal(keyID: String) -> Principal? {
        snapshot.withLock { s in
            guard let entry = s.byDigest.values.first(where: { $0.record.id == keyID }) else { return nil }
            let record = entry.record
            return Principal(workspace: record.workspace, scope: record.scope, keyID: record.id, limiter: entry.limiter)
        }
    }

    private func lookup(_ digest: KeyDigest) -> Principal? {
        guard let entry = snapshot.withLock({ $0.byDigest[digest] }) else { return nil }
        // The dictionary found the entry by digest; compare again in constant time so that the
        // decision never depends on a short-circuiting comparison.
        guard let stored = KeyDigest(entry.record.digest), stored.equalsInConstantTime(digest) else { return nil }
        let record = entry.record
        return Principal(workspace: record.workspace, scope: record.scope, keyID: record.id, limiter: entry.limiter)
    }
}

/// Compares two byte strings in time that depends only on their length.
package func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for i in 0..<a.count { difference |= a[i] ^ b[i] }
    return difference == 0
}
