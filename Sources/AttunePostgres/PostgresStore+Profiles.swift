import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

extension PostgresStore: ProfileStore {
    package func profile(of user: UserID, in workspace: WorkspaceID) async throws -> StoredProfile? {
        try await read("read profile") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return nil }
            return try await Self.loadProfiles(key, [user.rawValue], forUpdate: false, connection, logger)[user.rawValue]
        }
    }

    package func profiles(in workspace: WorkspaceID, after cursor: UserID?, limit: Int) async throws
        -> [(user: UserID, profile: StoredProfile)]
    {
        try await read("list profiles") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.profileColumns) FROM profiles
                WHERE workspace = \(key) AND user_id > \(cursor?.rawValue ?? "") ORDER BY user_id LIMIT \(Self.sqlLimit(limit))
                """, logger: logger)
            return try await Self.profileRows(rows).map { (UserID(unchecked: $0.user), $0.profile) }
        }
    }

    /// Users named twice are saved twice, in order, each save one version, as on SQLite.
    package func replaceProfiles(
        _ profiles: [(user: UserID, traits: ProfileTraits)], in workspace: WorkspaceID, at time: Timestamp
    ) async throws {
        // A replay after a lost COMMIT would bump every version again.
        try await transaction("replace profiles", idempotent: false) { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            try await Self.lockWorkspace(key, connection, logger)
            let users = profiles.map(\.user.rawValue)
            var stored = try await Self.loadProfiles(key, users, forUpdate: true, connection, logger)
            let last = try await Self.lastVersions(key, users.filter { stored[$0] == nil }, connection, logger)
            let at = time.millisecondsSinceEpoch
            var saves: [ProfileSave] = []
            var pending: Set<String> = []
            for (user, traits) in profiles {
                if !pending.insert(user.rawValue).inserted {
                    // One upsert statement may not touch a row twice.
                    try await Self.save(saves, workspace: key, connection, logger)
                    saves.removeAll()
                    pending = [user.rawValue]
                }
                let before = stored[user.rawValue]
                let version = (before?.version ?? last[user.rawValue] ?? 0) + 1
                saves.append(ProfileSave(
                    user: user.rawValue, traits: traits, version: version, at: at, cause: .rebuild,
                    detail: ProfileChanges.rebuild(from: before?.traits ?? ProfileTraits(), to: traits)))
                stored[user.rawValue] = StoredProfile(
                    traits: traits, version: version, updatedAt: Timestamp(millisecondsSinceEpoch: at))
            }
            try await Self.save(saves, workspace: key, connection, logger)
        }
    }

    package func profileHistory(of user: UserID, in workspace: WorkspaceID, before version: Int?, limit: Int) async throws
        -> [ProfileVersion]
    {
        try await read("read profile history") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT version, at, cause, detail FROM profile_history
                WHERE workspace = \(key) AND user_id = \(user.rawValue) AND version < \(version.map(Int64.init) ?? Int64.max)
                ORDER BY version DESC LIMIT \(Self.sqlLimit(limit))
                """, logger: logger)
            var versions: [ProfileVersion] = []
            for try await (number, at, cause, detail) in rows.decode((Int64, Int64, String, String).self) {
                versions.append(ProfileVersion(
                    version: Int(number), at: Timestamp(millisecondsSinceEpoch: at),
                    // Only this store writes the column, from the enum.
                    cause: ProfileVersion.Cause(rawValue: cause) ?? .event, detail: detail))
            }
            return versions
        }
    }
}

/// A profile row to write and the history row of its new version.
struct ProfileSave: Sendable {
    var user: String
    var traits: ProfileTraits
    var version: Int
    /// Milliseconds since the epoch: the row's `updated_at` and the version's time.
    var at: Int64
    var cause: ProfileVersion.Cause
    var detail: String
}

extension PostgresStore {
    static let profileColumns = """
        user_id, version, first_seen, last_seen, events, types, sessions, closed_ms, session_id, session_start, \
        session_last, purchases, monetary, last_purchase, updated_at
        """

    /// The stored profiles of `users` that exist, in one statement; with `forUpdate` their rows
    /// stay locked until the transaction ends. NO KEY UPDATE, not UPDATE: a profile write never
    /// changes the key, and UPDATE would also wait for (and could deadlock with) an imputation
    /// run's KEY SHARE locks on the same rows.
    static func loadProfiles(
        _ workspace: Int64, _ users: [String], forUpdate: Bool, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> [String: StoredProfile] {
        guard !users.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT \(unescaped: profileColumns) FROM profiles WHERE workspace = \(workspace) AND user_id = ANY(\(users)::text[])
            ORDER BY user_id \(unescaped: forUpdate ? "FOR NO KEY UPDATE" : "")
            """, logger: logger)
        var out: [String: StoredProfile] = [:]
        for (user, profile) in try await profileRows(rows) { out[user] = profile }
        return out
    }

    static func profileRows(_ rows: PostgresRowSequence) async throws -> [(user: String, profile: StoredProfile)] {
        var out: [(user: String, profile: StoredProfile)] = []
        let decoded = rows.decode(
            (String, Int64, Int64, Int64, Int64, String, Int64, Int64, String?, Int64, Int64, Int64, Double, Int64?, Int64).self)
        for try await (user, version, first, last, events, types, sessions, closed, session, start, sessionLast, purchases,
            monetary, lastPurchase, updated) in decoded
        {
            var t = ProfileTraits()
            t.firstSeen = first
            t.lastSeen = last
            t.eventCount = Int(events)
            t.countsByType = try ProfileTraits.decodeTypeCounts(types)
            t.sessionCount = Int(sessions)
            t.closedSessionMilliseconds = closed
            t.sessionID = session
            t.sessionStart = start
            t.sessionLast = sessionLast
            t.purchaseCount = Int(purchases)
            t.monetary = monetary
            t.lastPurchase = lastPurchase
            out.append((user, StoredProfile(
                traits: t, version: Int(version), updatedAt: Timestamp(millisecondsSinceEpoch: updated))))
        }
        return out
    }

    /// The last recorded version of each of `users` that has a history: a user without a profile
    /// row (whose profile a withdrawal of consent removed) continues after it, so that a version
    /// number never repeats.
    static func lastVersions(
        _ workspace: Int64, _ users: [String], _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> [String: Int] {
        guard !users.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT user_id, max(version) FROM profile_history WHERE workspace = \(workspace) AND user_id = ANY(\(users)::text[])
            GROUP BY user_id
            """, logger: logger)
        var out: [String: Int] = [:]
        for try await (user, version) in rows.decode((String, Int64).self) { out[user] = Int(version) }
        return out
    }

    /// Writes profile rows and their history rows in one statement (the rows travel as one array
    /// per column). Each user at most once per call.
    static func save(_ saves: [ProfileSave], workspace: Int64, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        guard !saves.isEmpty else { return }
        var users: [String] = [], versions: [Int64] = [], firsts: [Int64] = [], lasts: [Int64] = [], events: [Int64] = []
        var types: [String] = [], sessions: [Int64] = [], closed: [Int64] = [], sessionIDs = NullableTextArray(elements: [])
        var starts: [Int64] = [], sessionLasts: [Int64] = [], purchases: [Int64] = [], monetary: [Double] = []
        var lastPurchases = NullableInt64Array(elements: []), times: [Int64] = [], causes: [String] = [], details: [String] = []
        for save in saves {
            let t = save.traits
            users.append(save.user)
            versions.append(Int64(save.version))
            firsts.append(t.firstSeen)
            lasts.append(t.lastSeen)
            events.append(Int64(t.eventCount))
            types.append(t.encodedTypeCounts)
            sessions.append(Int64(t.sessionCount))
            closed.append(t.closedSessionMilliseconds)
            sessionIDs.elements.append(t.sessionID)
            starts.append(t.sessionStart)
            sessionLasts.append(t.sessionLast)
            purchases.append(Int64(t.purchaseCount))
            monetary.append(t.monetary)
            lastPurchases.elements.append(t.lastPurchase)
            times.append(save.at)
            causes.append(save.cause.rawValue)
            details.append(save.detail)
        }
        try await connection.query(
            """
            WITH input AS (
                SELECT * FROM unnest(
                    \(users)::text[], \(versions)::int8[], \(firsts)::int8[], \(lasts)::int8[], \(events)::int8[],
                    \(types)::text[], \(sessions)::int8[], \(closed)::int8[], \(sessionIDs)::text[], \(starts)::int8[],
                    \(sessionLasts)::int8[], \(purchases)::int8[], \(monetary)::float8[], \(lastPurchases)::int8[],
                    \(times)::int8[], \(causes)::text[], \(details)::text[]
                ) WITH ORDINALITY AS t(user_id, version, first_seen, last_seen, events, types, sessions, closed_ms,
                                       session_id, session_start, session_last, purchases, monetary, last_purchase,
                                       at, cause, detail, ord)
            ),
            saved AS (
                INSERT INTO profiles (workspace, user_id, version, first_seen, last_seen, events, types, sessions,
                                      closed_ms, session_id, session_start, session_last, purchases, monetary,
                                      last_purchase, updated_at)
                SELECT \(workspace), user_id, version, first_seen, last_seen, events, types, sessions, closed_ms,
                       session_id, session_start, session_last, purchases, monetary, last_purchase, at
                FROM input
                ON CONFLICT (workspace, user_id) DO UPDATE SET
                    version = excluded.version, first_seen = excluded.first_seen, last_seen = excluded.last_seen,
                    events = excluded.events, types = excluded.types, sessions = excluded.sessions,
                    closed_ms = excluded.closed_ms, session_id = excluded.session_id,
                    session_start = excluded.session_start, session_last = excluded.session_last,
                    purchases = excluded.purchases, monetary = excluded.monetary,
                    last_purchase = excluded.last_purchase, updated_at = excluded.updated_at
            )
            INSERT INTO profile_history (workspace, user_id, version, at, cause, detail)
            SELECT \(workspace), user_id, version, at, cause, detail FROM input ORDER BY ord
            """, logger: logger)
    }
}
