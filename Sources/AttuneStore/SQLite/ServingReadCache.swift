import AttuneCore

/// The per-user reads that every recommendation request makes (the user's recent items, what
/// they spoke of negatively), kept in memory until the database changes.
///
/// Each lookup first asks a ``DatabaseChangeProbe`` whether anything was committed since the
/// entries were read; if so every entry is dropped. So a cached answer is exactly what the query
/// would return, whoever wrote in the meantime (this process or another one), and a read-only
/// load (serving) reads each user from SQLite once. An answer is kept only if no commit was seen
/// between the probe before its query and its insertion.
final class ServingReadCache: Sendable {
    struct Key: Hashable, Sendable {
        enum Kind: UInt8, Sendable {
            case recentItems
            case negativeMentions
            /// Whether the workspace has any text mentions (`user` empty).
            case anyMentions
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

        /// Roughly the number of ids held, for the size bound.
        var weight: Int {
            switch self {
            case .items(let items): 1 + items.count
            case .mentions(let targets): 1 + targets.count
            case .flag: 1
            }
        }
    }

    private struct State {
        var stamp: Int64?
        var entries: [Key: Value] = [:]
        var weight = 0
    }

    private let probe: DatabaseChangeProbe
    private let state = Locked(State())
    /// Above this many held ids (about 16 bytes each) the cache starts over rather than grow
    /// without bound.
    private let capacity: Int

    init(probe: DatabaseChangeProbe, capacity: Int = 2_000_000) {
        self.probe = probe
        self.capacity = capacity
    }

    /// The cached answer for `key`, else `read()`'s, kept for the next request.
    func value(_ key: Key, read: () throws -> Value) rethrows -> Value {
        guard let stamp = probe.stamp() else { return try read() }
        let cached = state.withLock { state -> Value? in
            if state.stamp != stamp {
                state.stamp = stamp
                state.entries.removeAll(keepingCapacity: true)
                state.weight = 0
                return nil
            }
            return state.entries[key]
        }
        if let cached { return cached }
        let value = try read()
        // A commit after `stamp` may be missing from `value`; the next probe would drop it anyway,
        // but it must not outlive a commit this probe already saw.
        state.withLock { state in
            guard state.stamp == stamp else { return }
            if state.weight + value.weight > capacity {
                state.entries.removeAll(keepingCapacity: false)
                state.weight = 0
            }
            if let old = state.entries.updateValue(value, forKey: key) { state.weight -= old.weight }
            state.weight += value.weight
        }
        return value
    }
}
