import AttuneCore
import AttuneStore

/// Recomputes profiles from the event log (`attune profiles rebuild`) and compares them with the
/// streamed ones (`attune profiles rebuild --check`).
///
/// The log is folded in order, exactly as ingestion folds each event in as it arrives, so the two
/// agree unless profiles were written by a faulty version or the store was edited by hand.
package struct ProfileRebuild: Sendable {
    package struct Report: Sendable, Equatable {
        package var users = 0
        package var events = 0
        /// Users whose stored profile differs from the recomputed one (or is missing), up to 1,000.
        package var drifted: [UserID] = []
        package var driftedCount = 0
        package var written = 0
    }

    let store: any EventStore & IdentityStore & ProfileStore & ConsentStore
    let clock: any WallClock

    package init(store: any EventStore & IdentityStore & ProfileStore & ConsentStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// Every user's traits recomputed from the log.
    package func compute(workspace: WorkspaceID) async throws -> (traits: [UserID: ProfileTraits], events: Int) {
        var traits: [UserID: ProfileTraits] = [:]
        var links: [AnonymousID: [String]] = [:]
        var cursor: Int64?
        var events = 0
        // People without personalization consent get no computed profile, rebuilt or not.
        let consent = try await store.consentSnapshot(in: workspace)
        while true {
            let page = try await store.events(in: workspace, after: cursor, limit: 20_000)
            for anonymous in Set(page.compactMap { $0.event.userID == nil ? $0.event.anonymousID : nil })
            where links[anonymous] == nil {
                links[anonymous] = try await store.users(linkedTo: anonymous, in: workspace).map(\.rawValue)
            }
            for stored in page {
                let event = stored.event
                // The store's own segment events are not behaviour (and may name users without a profile).
                if SegmentEvents.isSegmentEvent(event.type.rawValue) { continue }
                let owners = ProfileOwnership.owners(of: event) { links[$0] ?? [] }
                if !owners.isEmpty { events += 1 }
                for user in owners where consent.permits(.personalization, for: user) {
                    traits[UserID(unchecked: user), default: ProfileTraits()].apply(event)
                }
            }
            guard let last = page.last, page.count == 20_000 else { break }
            cursor = last.sequence
        }
        return (traits, events)
    }

    /// Compares the recomputed profiles with the stored ones; with `write`, replaces those that differ.
    package func run(workspace: WorkspaceID, write: Bool) async throws -> Report {
        let (computed, events) = try await compute(workspace: workspace)
        var report = Report(users: computed.count, events: events)
        var replacements: [(user: UserID, traits: ProfileTraits)] = []
        for user in computed.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            let fresh = computed[user]!
            if try await store.profile(of: user, in: workspace)?.traits != fresh {
                report.driftedCount += 1
                if report.drifted.count < 1_000 { report.drifted.append(user) }
                replacements.append((user, fresh))
            }
        }
        if write {
            for start in stride(from: 0, to: replacements.count, by: 1_000) {
                try await store.replaceProfiles(
                    Array(replacements[start..<min(start + 1_000, replacements.count)]), in: workspace, at: clock.now())
            }
            report.written = replacements.count
        }
        return report
    }
}
