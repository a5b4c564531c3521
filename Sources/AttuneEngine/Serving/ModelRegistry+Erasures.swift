import AttuneCore
import AttuneML
import AttuneStore
import Foundation

extension ModelRegistry {
    /// Remembers `digests` as erased in `workspace` and stops serving the learned vector of every
    /// user of the served model whose id hashes to one of them. Matching by digest finds every id
    /// of a merged person even after their aliases are deleted. Only digests not seen before cost
    /// a pass over the served users.
    package func adoptErasures(_ digests: Set<[UInt8]>, in workspace: WorkspaceID) {
        let fresh = erasedDigests.withLock { all -> Set<[UInt8]> in
            let fresh = digests.subtracting(all[workspace] ?? [])
            all[workspace, default: []].formUnion(fresh)
            return fresh
        }
        // A model swapped in after the read in `dropServedUsers` finds these digests recorded
        // (``serve(_:redactedBy:in:)`` looks again after its swap).
        dropServedUsers(erased: fresh, in: workspace)
    }

    /// Drops every user of the served model whose id hashes to one of `digests`.
    func dropServedUsers(erased digests: Set<[UInt8]>, in workspace: WorkspaceID) {
        guard !digests.isEmpty, let served = model(for: workspace) else { return }
        var filter = ErasedUserFilter(digests: digests)
        // Found outside the lock (hashing every id takes a while), then dropped one by one from
        // whatever is served by then.
        let found = served.snapshot.users.keys.filter { !ModelSnapshot.isErasedPlaceholder($0) && filter.isErased($0) }
        for key in found { dropServedUser(UserID(unchecked: key), in: workspace) }
    }

    /// ``adoptErasures(_:in:)`` for every workspace with a model directory, from the store's record
    /// of erased users.
    package func adoptErasures(from store: any PersonalDataStore) async throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: files.directory.path)) ?? []
        for name in names {
            guard let workspace = try? WorkspaceID(validating: name) else { continue }
            adoptErasures(try await store.erasedUserDigests(in: workspace), in: workspace)
        }
    }

    /// `snapshot` with every user whose digest is in `digests` replaced by a placeholder.
    static func redacting(_ snapshot: ModelSnapshot, by digests: Set<[UInt8]>) -> ModelSnapshot {
        guard !digests.isEmpty else { return snapshot }
        var filter = ErasedUserFilter(digests: digests)
        return snapshot.redactingUsers(where: { filter.isErased($0) }) ?? snapshot
    }
}
