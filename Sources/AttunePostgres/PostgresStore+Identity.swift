import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

extension PostgresStore: IdentityStore {
    package func record(_ identify: Identify, in workspace: WorkspaceID) async throws {
        try await record([identify], in: workspace)
    }

    /// All calls in one transaction. Retried after a broken connection when each user is named
    /// once: a link or a declaration made already is no change the second time. A batch naming a
    /// user twice is not replayed: `{a:1}` then `{a:2}` replayed would patch the person back and
    /// forth, adding versions and segment events.
    package func record(_ identifies: [Identify], in workspace: WorkspaceID) async throws {
        for (index, identify) in identifies.enumerated() { try Self.validate(identify, at: index) }
        let replayable = Set(identifies.map(\.userID)).count == identifies.count
        try await transaction("record identify", idempotent: replayable) { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            try await Self.lockWorkspace(key, connection, logger)
            for identify in identifies {
                // A merged user's id stands for the person: links and traits go to the canonical
                // user, while the declaration stays recorded under the id it was made for.
                let named = identify.userID.rawValue
                let user = try await Self.canonical(key, named, connection, logger)
                let at = identify.timestamp.millisecondsSinceEpoch
                var consent: PostgresConsentView?
                if let anonymous = identify.anonymousID {
                    let rows = try await connection.query(
                        """
                        INSERT INTO identities (workspace, user_id, anonymous_id, linked_at)
                        VALUES (\(key), \(user), \(anonymous.rawValue), \(at))
                        ON CONFLICT DO NOTHING RETURNING 1
                        """, logger: logger)
                    var linked = false
                    for try await _ in rows { linked = true }
                    // A new link brings the visitor's earlier activity into the profile.
                    if linked, maintainsProfiles {
                        let view = try await PostgresConsentView.read([user], workspace: key, connection, logger)
                        consent = view
                        if view.permits(.personalization, for: user) {
                            try await Self.refoldProfile(key, user, linking: anonymous.rawValue, at: at, connection, logger)
                        }
                    }
                }
                if let traits = identify.traits {
                    // Re-sending what is declared already is no change and makes no version.
                    if try await Self.declare(key, named, source: identify.source, patch: traits, at: at, connection, logger),
                        try await Self.resolveDeclared(key, user, connection, logger), maintainsProfiles
                    {
                        try await Self.recordDeclaredChange(key, user, patch: traits, at: at, connection, logger)
                    }
                }
                // Declared traits and a linked visitor's history both feed segment rules.
                if maintainsProfiles {
                    try await reevaluateSegments([user], workspace: key, now: at, connection, logger, consent: consent)
                }
            }
        }
    }

    package func anonymousIDs(of user: UserID, in workspace: WorkspaceID) async throws -> [AnonymousID] {
        try await read("read anonymous ids") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT anonymous_id FROM identities WHERE workspace = \(key) AND user_id = \(user.rawValue)
                ORDER BY linked_at, anonymous_id COLLATE "C"
                """, logger: logger)
            var out: [AnonymousID] = []
            for try await id in rows.decode(String.self) { out.append(AnonymousID(unchecked: id)) }
            return out
        }
    }

    package func users(linkedTo anonymous: AnonymousID, in workspace: WorkspaceID) async throws -> [UserID] {
        try await read("read linked users") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let links = try await Self.linkedUsers([anonymous.rawValue], workspace: key, connection, logger)
            return (links[anonymous.rawValue] ?? []).map(UserID.init(unchecked:))
        }
    }

    package func traits(of user: UserID, in workspace: WorkspaceID) async throws -> String? {
        try await read("read traits") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return nil }
            return try await Self.declaredTraits(key, [user.rawValue], connection, logger)[user.rawValue]
        }
    }

    package func traits(in workspace: WorkspaceID, after cursor: UserID?, limit: Int) async throws
        -> [(user: UserID, traits: String)]
    {
        try await read("list traits") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT user_id, traits FROM user_traits WHERE workspace = \(key) AND user_id > \(cursor?.rawValue ?? "")
                ORDER BY user_id LIMIT \(Self.sqlLimit(limit))
                """, logger: logger)
            var out: [(user: UserID, traits: String)] = []
            for try await (user, traits) in rows.decode((String, String).self) { out.append((UserID(unchecked: user), traits)) }
            return out
        }
    }

    /// The resolved declared traits of those of `users` who declared any.
    static func declaredTraits(
        _ workspace: Int64, _ users: [String], _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> [String: String] {
        guard !users.isEmpty else { return [:] }
        let rows = try await connection.query(
            "SELECT user_id, traits FROM user_traits WHERE workspace = \(workspace) AND user_id = ANY(\(users)::text[])",
            logger: logger)
        var out: [String: String] = [:]
        for try await (user, traits) in rows.decode((String, String).self) { out[user] = traits }
        return out
    }

    /// PostgreSQL text cannot hold NUL, which SQLite stores: such a call is refused before
    /// anything is written, naming the field.
    static func validate(_ identify: Identify, at index: Int) throws(AttuneError) {
        func check(_ value: String?, _ name: String) throws(AttuneError) {
            guard let value, value.utf8.contains(0) else { return }
            throw AttuneError.invalid("identifies[\(index)].\(name)", "must not contain a NUL character")
        }
        try check(identify.userID.rawValue, "userId")
        try check(identify.anonymousID?.rawValue, "anonymousId")
        try check(identify.traits, "traits")
        try check(identify.source, "source")
    }
}
