import AttuneCore
import AttuneStore
import Dispatch

/// Catalogue entries read by serving, so that availability, category and rule filters do not
/// query the store on every request.
///
/// Writes through this server's API invalidate the items they touch at once. Changes made by
/// another process (an `attune import` while the server runs) are caught by comparing the
/// catalogue's version (its size and latest update) at most once per `lifetime`: when it moved,
/// the workspace's entries are dropped, so such a change takes up to `lifetime` to show. Between
/// checks every entry stays valid, so a steady catalogue costs one small query per `lifetime`
/// rather than one per entry. Unknown ids are cached as absent too.
///
/// The version cannot see every change: an import stamps all its rows with one time and commits
/// in chunks, so once its first chunk is in, later chunks move neither the count nor the latest
/// update; and a row read just before a write can be stored after the check that saw the write.
/// So every `fullRefreshChecks`-th check drops the entries whatever the version says, which
/// bounds how stale an entry can be (a minute with the defaults).
package final class CatalogCache: Sendable {
    private struct Workspace: Sendable {
        var items: [ItemID: Item?] = [:]
        var version: [Int64]?
        var checkedAt: UInt64 = 0
        var checks = 0
        /// The same entries by label (``items(labels:of:in:store:)``), for one load and revision
        /// of the served model (`labelsOf`): serving asks by label, and hashing an integer costs
        /// a fraction of hashing an id string.
        var byLabel: [Int32: Item?] = [:]
        var labelsOf: LabelOwner?
        /// Moves whenever entries are dropped, so that an answer read before is not stored after.
        var epoch: UInt64 = 0

        mutating func dropAll() {
            items.removeAll()
            byLabel.removeAll()
            epoch &+= 1
        }
    }

    /// What labels mean: a model load and its catalogue revision (labels of items added since
    /// training are given out per revision).
    private struct LabelOwner: Equatable, Sendable {
        var generation: UInt64
        var revision: Int
    }

    package static let fullRefreshChecks = 6

    private let entries = Locked<[WorkspaceID: Workspace]>([:])
    private let lifetime: UInt64
    /// Above this many entries the cache starts over rather than grow without bound.
    private let capacity: Int

    package init(lifetime: Duration = .seconds(10), capacity: Int = 500_000) {
        let (seconds, attoseconds) = lifetime.components
        self.lifetime = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
        self.capacity = capacity
    }

    /// The entries of `labels` of `model`, in their order (`nil` where the catalogue has none),
    /// from the cache, else from `store` in one query.
    package func items(
        labels: [Int32], of model: ServingModel, in workspace: WorkspaceID, store: any CatalogStore & TextStore
    ) async throws -> [Item?] {
        try await checkVersion(of: workspace, store: store)
        let owner = LabelOwner(generation: model.generation, revision: model.revision)
        var out = [Item?](repeating: nil, count: labels.count)
        var missing: [Int] = []
        let epoch = entries.withLock { all -> UInt64 in
            var entry = all[workspace] ?? Workspace()
            if entry.labelsOf != owner {
                entry.byLabel.removeAll()
                entry.labelsOf = owner
                all[workspace] = entry
            }
            let byLabel = entry.byLabel
            for (offset, label) in labels.enumerated() {
                if let cached = byLabel[label] { out[offset] = cached } else { missing.append(offset) }
            }
            return entry.epoch
        }
        guard !missing.isEmpty else { return out }
        var ids: [ItemID] = []
        ids.reserveCapacity(missing.count)
        for offset in missing {
            if let key = model.itemKey(at: labels[offset]) { ids.append(ItemID(unchecked: key)) }
        }
        let found = try await items(ids, in: workspace, store: store)
        entries.withLock { all in
            guard var entry = all[workspace], entry.labelsOf == owner, entry.epoch == epoch else { return }
            all[workspace] = nil
            for offset in missing {
                let item = model.itemKey(at: labels[offset]).flatMap { found[ItemID(unchecked: $0)] }
                entry.byLabel[labels[offset]] = .some(item)
            }
            all[workspace] = entry
        }
        for offset in missing {
            out[offset] = model.itemKey(at: labels[offset]).flatMap { found[ItemID(unchecked: $0)] }
        }
        return out
    }

    /// Drops the workspace's entries when the catalogue's version moved (or at every
    /// ``fullRefreshChecks``-th check), at most once per `lifetime`.
    private func checkVersion(of workspace: WorkspaceID, store: any CatalogStore & TextStore) async throws {
        let now = DispatchTime.now().uptimeNanoseconds
        // One request checks; the others go on with the entries they have rather than all
        // queueing for a connection at once.
        let due = entries.withLock { all in
            guard now &- (all[workspace]?.checkedAt ?? 0) >= lifetime else { return false }
            all[workspace, default: Workspace()].checkedAt = now
            return true
        }
        if due {
            let version = try await store.catalogVersion(in: workspace)
            entries.withLock { all in
                var entry = all[workspace] ?? Workspace()
                entry.checks += 1
                if entry.version != version || entry.checks % Self.fullRefreshChecks == 0 { entry.dropAll() }
                entry.version = version
                all[workspace] = entry
            }
        }
    }

    /// The entries of `ids` the catalogue has, from the cache, else from `store` in one query.
    package func items(_ ids: [ItemID], in workspace: WorkspaceID, store: any CatalogStore & TextStore) async throws
        -> [ItemID: Item]
    {
        try await checkVersion(of: workspace, store: store)
        var found: [ItemID: Item] = [:]
        found.reserveCapacity(ids.count)
        var missing: [ItemID] = []
        entries.withLock { all in
            guard let cached = all[workspace]?.items else {
                missing = ids
                return
            }
            for id in ids {
                if let entry = cached[id] {
                    if let item = entry { found[id] = item }
                } else {
                    missing.append(id)
                }
            }
        }
        guard !missing.isEmpty else { return found }
        let loaded = try await store.items(missing, in: workspace)
        entries.withLock { all in
            if all.values.reduce(0, { $0 + $1.items.count + $1.byLabel.count }) + missing.count > capacity {
                for key in all.keys { all[key]?.dropAll() }
            }
            for id in missing { all[workspace, default: Workspace()].items[id] = .some(loaded[id]) }
        }
        found.merge(loaded) { $1 }
        return found
    }

    /// Forgets these items, after a write.
    package func invalidate(_ ids: [ItemID], in workspace: WorkspaceID) {
        entries.withLock { all in
            for id in ids { all[workspace]?.items[id] = nil }
            // Which labels the ids have is the model's to say: forget them all (refilled from
            // the entries by id).
            all[workspace]?.byLabel.removeAll()
            all[workspace]?.epoch &+= 1
        }
    }
}
