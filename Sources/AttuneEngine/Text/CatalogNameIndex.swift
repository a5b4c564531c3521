import AttuneCore
import AttuneStore
import Dispatch

/// The compiled catalogue names of each workspace, rebuilt when the catalogue changes.
///
/// The catalogue's version (its size and latest update) is checked at most once per
/// `checkInterval`; a change rebuilds the matcher from every item, which is then shared by all
/// requests until the next change.
package final class CatalogNameIndex: Sendable {
    private struct Entry: Sendable {
        var version: [Int64]
        var names: CatalogNames
        var checkedAt: UInt64
    }

    private let entries = Locked<[WorkspaceID: Entry]>([:])
    private let checkInterval: UInt64

    package init(checkInterval: Duration = .seconds(5)) {
        let (seconds, attoseconds) = checkInterval.components
        self.checkInterval = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    /// The names of the workspace's catalogue as of at most `checkInterval` ago.
    package func names(in workspace: WorkspaceID, store: any AttuneStorage) async throws -> CatalogNames {
        let now = DispatchTime.now().uptimeNanoseconds
        let cached = entries.withLock { $0[workspace] }
        if let cached, now &- cached.checkedAt < checkInterval { return cached.names }
        let version = try await store.catalogVersion(in: workspace)
        if let cached, cached.version == version {
            entries.withLock { $0[workspace]?.checkedAt = now }
            return cached.names
        }
        let items = try await store.allItems(in: workspace)
        let names = CatalogNames(items: items)
        entries.withLock { $0[workspace] = Entry(version: version, names: names, checkedAt: now) }
        return names
    }

    /// Forgets the workspace's names, so that the next text rebuilds them (after a catalogue write).
    package func invalidate(_ workspace: WorkspaceID) {
        entries.withLock { $0[workspace] = nil }
    }
}
