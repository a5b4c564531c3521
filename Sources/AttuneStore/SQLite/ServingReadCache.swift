import AttuneCore

/// The per-user reads that every recommendation request makes (the user's recent items, what
/// they spoke of negatively), kept in memory until the database changes.
///
/// Each lookup first asks a ``DatabaseChangeProbe`` whether anything was committed since the
/// entries were read; if so every entry is dropped. So a cached answer is exactly what the query
/// would return, whoever wrote in the meantime (this process or another one), and a read-only
/// load (serving) reads each user from SQLite once. An answer is kept only if no commit was seen
/// between the probe before its query and its insertion.
package final class ServingReadCache: Sendable {
    struct Key: Hashable, Sendable {
        enum Kind: UInt8, Sendable {
            case recentItems
            case negativeMentions
            /// Whether the workspace has any text mentions (`user` empty).
            case anyMentions
            /// The person a user id was merged into (itself when it was not).
            case canonicalUser
            /// Whether anyone in the workspace was ever merged (`user` empty).
            case anyAliases
        }

        var kind: Kind
        var workspace: WorkspaceID
        var user: String
        /// The limit or threshold the answer was read with.
        var parameter: Double
    }

    enum Value: Sendable {
        case items([ItemID])
        case mentions(Set<MentionTarget>)
        case flag(Bool)
        case user(String)

        /// Roughly the bytes the value holds beyond its slot: an array or set header and, per
        /// id, its 16-byte string plus the heap copy of an id too long to be stored inline.
        var bytes: Int {
            switch self {
            case .items(let items): 32 + items.reduce(0) { $0 + ServingReadCache.stringBytes($1.rawValue) }
            case .mentions(let targets): 48 + 24 * targets.count + targets.reduce(0) { $0 + ServingReadCache.stringBytes($1.value) }
            case .flag: 0
            case .user(let id): ServingReadCache.stringBytes(id)
            }
        }
    }

    /// A dictionary slot (key and value, at a load factor of 3/4) and the entry's own strings:
    /// the bound counts bytes, not ids, so that a million users with empty histories (one slot
    /// each, no ids) are bounded as tightly as a few users with long ones.
    static func entryBytes(_ key: Key, _ value: Value) -> Int {
        96 + stringBytes(key.user) + value.bytes
    }

    /// A Swift string's 16 bytes, plus a heap allocation (32-byte header) beyond 15 UTF-8 bytes.
    static func stringBytes(_ string: String) -> Int {
        let count = string.utf8.count
        return count <= 15 ? 16 : 48 + count
    }

    /// The default bound on the estimated bytes held: about 300,000 users with empty histories,
    /// or 40,000 with 200 recent items of short ids each.
    package static let defaultCapacity = 32 << 20

    private struct State {
        var stamp: Int64?
        var entries: WeighedEntries<Key, Value>
    }

    private let probe: DatabaseChangeProbe
    private let state: Locked<State>

    /// - Parameter capacity: above this many estimated bytes (``entryBytes(_:_:)``) the cache
    ///   starts over rather than grow without bound.
    init(probe: DatabaseChangeProbe, capacity: Int = ServingReadCache.defaultCapacity) {
        self.probe = probe
        state = Locked(State(entries: WeighedEntries(capacity: capacity)))
    }

    /// The cached answer for `key`, else `read()`'s, kept for the next request.
    ///
    /// Within a ``ServingReadScope`` the database is probed once, by the first read; the later
    /// reads of the scope answer as of that probe. They never move the cache to their stamp:
    /// when another request has since seen a newer one, they read through and keep nothing.
    func value(_ key: Key, read: () throws -> Value) rethrows -> Value {
        if let scope = ServingReadScope.current {
            let (stamp, fresh) = scope.stamp { probe.stamp() }
            guard let stamp else { return try read() }
            if !fresh {
                let cached = state.withLock { state -> Value?? in
                    state.stamp == stamp ? .some(state.entries[key]) : .none
                }
                switch cached {
                case .some(.some(let value)): return value
                case .some(.none): return try store(key, stamp: stamp, read())
                case .none: return try read()
                }
            }
            return try value(key, stamp: stamp, read: read)
        }
        guard let stamp = probe.stamp() else { return try read() }
        return try value(key, stamp: stamp, read: read)
    }

    /// `key`'s answer as of a probe that just returned `stamp`.
    ///
    /// Stamps only grow (`data_version` counts the commits its connection has seen;
    /// `total_changes` the rows written), so the cache only ever moves forward: a probe older
    /// than the entries' (its request was overtaken between probe and lock) reads through.
    private func value(_ key: Key, stamp: Int64, read: () throws -> Value) rethrows -> Value {
        let cached = state.withLock { state -> Value?? in
            if state.stamp != stamp {
                if let current = state.stamp, stamp < current { return .none }
                state.stamp = stamp
                state.entries.removeAll(keepingCapacity: true)
                return .some(nil)
            }
            return .some(state.entries[key])
        }
        switch cached {
        case .some(.some(let value)): return value
        case .some(.none): return store(key, stamp: stamp, try read())
        case .none: return try read()
        }
    }

    /// Keeps `value`, read after the probe that returned `stamp`, unless a newer stamp was seen.
    private func store(_ key: Key, stamp: Int64, _ value: Value) -> Value {
        // A commit after `stamp` may be missing from `value`; the next probe would drop it anyway,
        // but it must not outlive a commit this probe already saw.
        state.withLock { state in
            guard state.stamp == stamp else { return }
            // An answer larger than the whole bound is served but not kept.
            state.entries.insert(value, for: key, weighing: Self.entryBytes)
        }
        return value
    }

    /// Entries held and their estimated bytes (never above the capacity).
    var usage: (entries: Int, bytes: Int) {
        state.withLock { ($0.entries.count, $0.entries.weight) }
    }
}
