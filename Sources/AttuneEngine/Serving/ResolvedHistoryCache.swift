import AttuneCore
import AttuneML

/// Each user's ``ResolvedHistory``, so that a request whose user has neither new events nor a new
/// model reuses the labels, sets and anchors the previous request computed instead of looking
/// every recent item up by id again.
///
/// An entry is only ever used after ``ResolvedHistory/matches(recent:userIndex:model:)``: the
/// store's answer for the user's recent items (read on every request, from the store's own cache
/// that a commit invalidates), the user's row and the model's load and revision must all be the
/// same as when it was made. So an accepted event, a promoted or updated model, a live catalogue
/// change or an erasure each make the next request resolve again; nothing is invalidated by hand.
package final class ResolvedHistoryCache: Sendable {
    private struct Key: Hashable, Sendable {
        var workspace: WorkspaceID
        var user: UserID
    }

    /// The default bound on the estimated bytes held: about 25,000 users of 50 events each.
    package static let defaultCapacity = 32 << 20

    private let state: Locked<WeighedEntries<Key, ResolvedHistory>>

    /// - Parameter capacity: above this many estimated bytes (``ResolvedHistory/bytes`` plus a
    ///   slot) the cache starts over rather than grow without bound.
    package init(capacity: Int = ResolvedHistoryCache.defaultCapacity) {
        state = Locked(WeighedEntries(capacity: capacity))
    }

    /// `user`'s history resolved against `model`: the cached one if it was made from the same
    /// `recent` answer, user row and model state, else a new one, kept for the next request.
    func resolve(
        recent: [ItemID], of user: UserID, in workspace: WorkspaceID, model: ServingModel, anchors: Int
    ) -> ResolvedHistory {
        let key = Key(workspace: workspace, user: user)
        let userIndex = model.snapshot.users.index(of: user.rawValue)
        if let cached = state.withLock({ $0[key] }), cached.matches(recent: recent, userIndex: userIndex, model: model) {
            return cached
        }
        let resolved = ResolvedHistory(recent: recent, user: user, model: model, anchors: anchors)
        state.withLock { $0.insert(resolved, for: key) { Self.slotBytes($0) + $1.bytes } }
        return resolved
    }

    /// A dictionary slot (key and value at a load factor of 3/4) and the key's strings.
    private static func slotBytes(_ key: Key) -> Int {
        func string(_ s: String) -> Int { s.utf8.count <= 15 ? 16 : 48 + s.utf8.count }
        return 96 + string(key.workspace.rawValue) + string(key.user.rawValue)
    }

    /// Entries held and their estimated bytes (never above the capacity).
    package var usage: (entries: Int, bytes: Int) {
        state.withLock { ($0.count, $0.weight) }
    }
}
