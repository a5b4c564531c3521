import AttuneCore
import AttuneML
import AttuneStore

/// Compares a random sample of streamed profiles with the same profiles folded afresh from each
/// user's events (`attune profiles audit`, and on a schedule in the server): a cheap, regular check
/// that the incremental path has not drifted, without refolding the whole log as a rebuild does.
package struct ProfileDriftAudit: Sendable {
    package struct Report: Sendable, Equatable {
        package var profiles = 0
        package var sampled = 0
        package var drifted: [UserID] = []
    }

    let store: any EventStore & ProfileStore

    package init(store: any EventStore & ProfileStore) {
        self.store = store
    }

    /// - Parameters:
    ///   - sample: how many profiles to check (all of them when there are fewer).
    ///   - seed: makes the sample repeatable.
    package func run(workspace: WorkspaceID, sample: Int, seed: UInt64) async throws -> Report {
        var report = Report()
        var rng = SeededGenerator(seed: seed)
        // Reservoir sampling over the profiles in id order, a page at a time (Vitter's algorithm R).
        var chosen: [(UserID, StoredProfile)] = []
        var cursor: UserID?
        while true {
            let page = try await store.profiles(in: workspace, after: cursor, limit: 1_000)
            for row in page {
                report.profiles += 1
                if chosen.count < sample {
                    chosen.append((row.user, row.profile))
                } else {
                    let slot = Int(rng.next() % UInt64(report.profiles))
                    if slot < sample { chosen[slot] = (row.user, row.profile) }
                }
            }
            guard page.count == 1_000, let last = page.last else { break }
            cursor = last.user
        }
        report.sampled = chosen.count
        for (user, stored) in chosen.sorted(by: { $0.0 < $1.0 }) where try await fold(user, workspace) != stored.traits {
            report.drifted.append(user)
        }
        return report
    }

    /// The user's traits folded from their events (including those under linked anonymous ids)
    /// in log order, as ingestion folds them.
    func fold(_ user: UserID, _ workspace: WorkspaceID) async throws -> ProfileTraits {
        var traits = ProfileTraits()
        var cursor: Int64?
        while true {
            let page = try await store.events(of: user, in: workspace, after: cursor, limit: 5_000)
            for stored in page { traits.apply(stored.event) }
            guard page.count == 5_000, let last = page.last else { return traits }
            cursor = last.sequence
        }
    }
}
