import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

/// Profiles kept current inside the transactions that change them, as on SQLite.
extension PostgresStore {
    /// Folds freshly inserted events (in log order) into their owners' profiles, inside the
    /// append transaction, which holds the workspace's write lock. Owners without
    /// personalization consent get no profile.
    /// - Returns: the users whose profile changed, in first-seen order; their new traits; and the
    ///   consent read for them (segment evaluation reuses both).
    static func updateProfiles(
        _ events: [Event], workspace: Int64, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> (users: [String], traits: [String: ProfileTraits], consent: PostgresConsentView) {
        // Anonymous-only events belong to the users their id is linked to: one read for the batch.
        var anonymous: Set<String> = []
        for event in events where event.userID == nil {
            if let id = event.anonymousID { anonymous.insert(id.rawValue) }
        }
        let links = try await linkedUsers(Array(anonymous), workspace: workspace, connection, logger)
        var candidates: [String] = []
        var owners: [[String]] = []
        owners.reserveCapacity(events.count)
        for event in events {
            let named = ProfileOwnership.owners(of: event) { links[$0.rawValue] ?? [] }
            candidates.append(contentsOf: named)
            owners.append(named)
        }
        let consent = try await PostgresConsentView.read(
            Array(Set(candidates)), workspace: workspace, connection, logger)
        // Each owner's events as positions in `events`, owners in first-seen order.
        var order: [String] = []
        var slots: [String: Int] = [:]
        var owned: [[Int]] = []
        for (position, named) in owners.enumerated() {
            for user in named where consent.permits(.personalization, for: user) {
                if let slot = slots[user] {
                    owned[slot].append(position)
                } else {
                    slots[user] = order.count
                    order.append(user)
                    owned.append([position])
                }
            }
        }
        guard !order.isEmpty else { return ([], [:], consent) }
        let stored = try await loadProfiles(workspace, order, forUpdate: true, connection, logger)
        let last = try await lastVersions(workspace, order.filter { stored[$0] == nil }, connection, logger)
        var saves: [ProfileSave] = []
        saves.reserveCapacity(order.count)
        var traitsByUser: [String: ProfileTraits] = [:]
        // Key order, as SQLite saves them (history rows then follow the same order).
        for slot in order.indices.sorted(by: { order[$0].utf8.lexicographicallyPrecedes(order[$1].utf8) }) {
            let user = order[slot]
            let before = stored[user]?.traits ?? ProfileTraits()
            var traits = before
            var latest = stored[user]?.updatedAt.millisecondsSinceEpoch ?? 0
            for position in owned[slot] {
                let event = events[position]
                fold(event, into: &traits)
                latest = max(latest, event.receivedAt.millisecondsSinceEpoch)
            }
            traitsByUser[user] = traits
            saves.append(ProfileSave(
                user: user, traits: traits, version: (stored[user]?.version ?? last[user] ?? 0) + 1, at: latest,
                cause: .event,
                detail: ProfileChanges.events(
                    count: owned[slot].count, ids: owned[slot].prefix(ProfileChanges.eventIDLimit).lazy.map { events[$0].id },
                    from: before, to: traits)))
        }
        try await save(saves, workspace: workspace, connection, logger)
        return (order, traitsByUser, consent)
    }

    static func fold(_ event: Event, into traits: inout ProfileTraits) {
        traits.apply(
            type: event.type.rawValue, sessionID: event.sessionID?.rawValue, value: event.value,
            timestamp: event.timestamp.millisecondsSinceEpoch)
    }

    /// The users each of `anonymous` is linked to, each list in user id order.
    static func linkedUsers(
        _ anonymous: [String], workspace: Int64, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> [String: [String]] {
        guard !anonymous.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT anonymous_id, user_id FROM identities WHERE workspace = \(workspace) AND anonymous_id = ANY(\(anonymous)::text[])
            ORDER BY anonymous_id, user_id COLLATE "C"
            """, logger: logger)
        var out: [String: [String]] = [:]
        for try await (id, user) in rows.decode((String, String).self) { out[id, default: []].append(user) }
        return out
    }

    /// Recomputes one user's profile from every event it owns, in log order: after `anonymous`
    /// was linked to them (cause `identify`).
    static func refoldProfile(
        _ workspace: Int64, _ user: String, linking anonymous: String?, cause: ProfileVersion.Cause = .identify,
        at time: Int64, _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        let rows = try await connection.query(
            """
            SELECT type, session_id, value, ts FROM events
            WHERE workspace = \(workspace) AND (user_id = \(user) OR (user_id IS NULL AND anonymous_id IN
                (SELECT anonymous_id FROM identities WHERE workspace = \(workspace) AND user_id = \(user))))
            ORDER BY seq
            """, logger: logger)
        var traits = ProfileTraits()
        for try await (type, session, value, ts) in rows.decode((String, String?, Double?, Int64).self) {
            traits.apply(type: type, sessionID: session, value: value, timestamp: ts)
        }
        guard traits.eventCount > 0 else { return }
        let stored = try await loadProfiles(workspace, [user], forUpdate: true, connection, logger)[user]
        let last = stored == nil ? try await lastVersions(workspace, [user], connection, logger)[user] : nil
        try await save(
            [ProfileSave(
                user: user, traits: traits, version: (stored?.version ?? last ?? 0) + 1, at: time, cause: cause,
                detail: ProfileChanges.identify(anonymous, from: stored?.traits ?? ProfileTraits(), to: traits))],
            workspace: workspace, connection, logger)
    }

    /// A change of declared attributes is a new version of an existing profile (cause `patch`,
    /// detail the patched keys); a user without a computed profile has no version to bump.
    static func recordDeclaredChange(
        _ workspace: Int64, _ user: String, patch: String, at time: Int64, _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        try await connection.query(
            """
            WITH bumped AS (
                UPDATE profiles SET version = version + 1 WHERE workspace = \(workspace) AND user_id = \(user)
                RETURNING version
            )
            INSERT INTO profile_history (workspace, user_id, version, at, cause, detail)
            SELECT \(workspace), \(user), version, \(time), \(ProfileVersion.Cause.patch.rawValue),
                   \(ProfileChanges.declared(patch: patch))
            FROM bumped
            """, logger: logger)
    }
}
