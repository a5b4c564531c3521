import AttuneCore
import AttuneStore
import Dispatch

/// Catalogue entries recently read by serving, so that availability, category and rule filters
/// do not query the store on every request.
///
/// An entry is trusted for `lifetime`; writes through this server's API invalidate the items
/// they touch at once, so only changes made by another process (an `attune import` while the
/// server runs) can take up to `lifetime` to show. Unknown ids are cached as absent too.
package final class CatalogCache: Sendable {
    private struct Entry: Sendable {
        var item: Item?
        var loadedAt: UInt64
    }

    private let entries = Locked<[WorkspaceID: [ItemID: Entry]]>([:])
    private let lifetime: UInt64
    /// Above this many entries the cache starts over rather than grow without bound.
    private let capacity: Int

    package init(lifetime: Duration = .seconds(10), capacity: Int = 500_000) {
        let (seconds, attoseconds) = lifetime.components
        self.lifetime = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
        self.capacity = capacity
    }

    /// The entries of `ids` the catalogue has, from the cache where fresh, else from `store` in one query.
    package func items(_ ids: [ItemID], in workspace: WorkspaceID, store: any CatalogStore) async throws -> [ItemID: Item] {
        let now = DispatchTime.now().uptimeNanoseconds
        var found: [ItemID: Item] = [:]
        var missing: [ItemID] = []
        entries.withLock { all in
            let cached = all[workspace] ?? [:]
            for id in ids {
                if let entry = cached[id], now &- entry.loadedAt < lifetime {
                    if let item = entry.item { found[id] = item }
                } else {
                    missing.append(id)
                }
            }
        }
        guard !missing.isEmpty else { return found }
        let loaded = try await store.items(missing, in: workspace)
        entries.withLock { all in
            if all.values.reduce(0, { $0 + $1.count }) + missing.count > capacity { all.removeAll() }
            for id in missing { all[workspace, default: [:]][id] = Entry(item: loaded[id], loadedAt: now) }
        }
        found.merge(loaded) { $1 }
        return found
    }

    /// Forgets these items, after a write.
    package func invalidate(_ ids: [ItemID], in workspace: WorkspaceID) {
        entries.withLock { all in
            for id in ids { all[workspace]?[id] = nil }
        }
    }
}
