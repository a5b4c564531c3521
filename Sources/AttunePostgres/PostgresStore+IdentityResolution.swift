import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

/// Identity resolution as on SQLite. Every write takes the workspace's write lock first (the one
/// appends and identify calls take), so across processes a merge, an attach and an append of the
/// same workspace run one after the other: an append that follows a committed merge maps the
/// merged ids to their canonical user, and one that came first is re-keyed by the merge.
///
/// Merges, unmerges and attaches are not replayed after a connection broke during COMMIT: a
/// replay would answer differently (a conflict, or no merges) for what did happen.
extension PostgresStore: IdentityResolutionStore {
    package func attach(
        _ batch: [(user: UserID, identifiers: [PersonIdentifier])], source: String, in workspace: WorkspaceID,
        actor: String, at time: Timestamp
    ) async throws -> [MergeOutcome] {
        try Self.validateText(source, "source")
        try Self.validateText(actor, "actor")
        for (index, entry) in batch.enumerated() {
            try Self.validateText(entry.user.rawValue, "batch[\(index)].user")
            for (position, identifier) in entry.identifiers.enumerated() {
                try Self.validateText(identifier.value, "batch[\(index)].identifiers[\(position)]")
            }
        }
        let entries = batch.map { (user: $0.user.rawValue, identifiers: $0.identifiers) }
        return try await transaction("attach identifiers", idempotent: false) { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            try await Self.lockWorkspace(key, connection, logger)
            let at = time.millisecondsSinceEpoch
            var outcomes: [MergeOutcome] = []
            let blocks = try await Self.hasMergeBlocks(key, connection, logger)
            for (user, identifiers) in entries {
                let own = try await Self.canonical(key, user, connection, logger)
                var groups = [own]
                // Members of the groups joining so far, and whom they must not be merged with.
                var joined: Set<String> = []
                var refused: Set<String> = []
                if blocks {
                    let members = try await Self.members(key, own, connection, logger)
                    joined.formUnion(members)
                    refused = try await Self.blockedPartners(key, members, connection, logger)
                }
                var reasons: [String: String] = [:]
                var refusedIdentifiers = 0
                for identifier in identifiers {
                    // Inserted unless held; the holder is read back either way, in one statement.
                    let rows = try await connection.query(
                        """
                        WITH added AS (
                            INSERT INTO user_identifiers (workspace, kind, value, user_id, source, first_seen)
                            VALUES (\(key), \(identifier.kind.rawValue), \(identifier.value), \(user), \(source), \(at))
                            ON CONFLICT (workspace, kind, value) DO NOTHING
                            RETURNING 1
                        )
                        SELECT user_id FROM user_identifiers
                        WHERE workspace = \(key) AND kind = \(identifier.kind.rawValue) AND value = \(identifier.value)
                          AND NOT EXISTS (SELECT 1 FROM added)
                        """, logger: logger)
                    var holder: String?
                    for try await held in rows.decode(String.self) { holder = held }
                    guard let holder else { continue }
                    let canonical = try await Self.canonical(key, holder, connection, logger)
                    if !groups.contains(canonical) {
                        if blocks {
                            // An unmerge split these people: the identifier stays with its holder.
                            let members = try await Self.members(key, canonical, connection, logger)
                            let partners = try await Self.blockedPartners(key, members, connection, logger)
                            guard refused.isDisjoint(with: members), partners.isDisjoint(with: joined) else {
                                refusedIdentifiers += 1
                                continue
                            }
                            joined.formUnion(members)
                            refused.formUnion(partners)
                        }
                        groups.append(canonical)
                        reasons[canonical] = identifier.kind.rawValue
                    }
                }
                guard groups.count > 1 else {
                    outcomes.append(
                        MergeOutcome(canonical: UserID(unchecked: own), merges: [], refusedIdentifiers: refusedIdentifiers))
                    continue
                }
                // The user that brought the identifiers joins for the first identifier that linked it.
                reasons[own] = reasons[groups[1]]
                var outcome = try await mergeGroups(
                    key, groups, reasons: reasons, keep: nil, actor: actor, at: at, connection, logger)
                outcome.refusedIdentifiers = refusedIdentifiers
                outcomes.append(outcome)
            }
            return outcomes
        }
    }

    package func merge(
        _ users: [UserID], canonical: UserID?, in workspace: WorkspaceID, actor: String, at time: Timestamp
    ) async throws -> MergeOutcome {
        guard Set(users).count == users.count else {
            throw AttuneError.invalid("users", "names a user twice: a user cannot be merged with itself")
        }
        guard users.count >= 2 else { throw AttuneError.invalid("users", "must name at least two users") }
        if let canonical, !users.contains(canonical) {
            throw AttuneError.invalid("canonical", "must be one of users")
        }
        for (index, user) in users.enumerated() { try Self.validateText(user.rawValue, "users[\(index)]") }
        try Self.validateText(actor, "actor")
        return try await transaction("merge users", idempotent: false) { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            try await Self.lockWorkspace(key, connection, logger)
            var groups: [String] = []
            for (index, user) in users.enumerated() {
                guard try await Self.isKnown(key, user.rawValue, connection, logger) else {
                    throw AttuneError(code: .notFound, message: "user not found", field: "users[\(index)]")
                }
                let canonical = try await Self.canonical(key, user.rawValue, connection, logger)
                if !groups.contains(canonical) { groups.append(canonical) }
            }
            guard groups.count > 1 else {
                throw AttuneError(code: .conflict, message: "these users are merged already", field: "users")
            }
            var keep: String?
            if let canonical { keep = try await Self.canonical(key, canonical.rawValue, connection, logger) }
            // A person decided these are one: an earlier unmerge's pair no longer holds.
            try await Self.clearMergeBlocks(key, among: groups, connection, logger)
            let reasons = Dictionary(uniqueKeysWithValues: groups.map { ($0, UserMerge.manualReason) })
            return try await mergeGroups(
                key, groups, reasons: reasons, keep: keep, actor: actor, at: time.millisecondsSinceEpoch, connection, logger)
        }
    }

    package func unmerge(_ user: UserID, merge id: Int64?, in workspace: WorkspaceID, actor: String, at time: Timestamp)
        async throws -> UserMerge
    {
        try Self.validateText(user.rawValue, "user")
        try Self.validateText(actor, "actor")
        return try await transaction("unmerge users", idempotent: false) { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            try await Self.lockWorkspace(key, connection, logger)
            let named = user.rawValue
            guard try await Self.isKnown(key, named, connection, logger) else { throw AttuneError.notFound("user") }
            let found: [UserMerge]
            if let id {
                found = try await Self.userMerges(connection.query(
                    "SELECT \(unescaped: Self.mergeColumns) FROM user_merges WHERE workspace = \(key) AND id = \(id)",
                    logger: logger))
                guard !found.isEmpty else { throw AttuneError.notFound("merge") }
            } else {
                let aliased = try await Self.userMerges(connection.query(
                    """
                    SELECT \(unescaped: Self.mergeColumns) FROM user_merges
                    WHERE id = (SELECT merge_id FROM user_aliases WHERE workspace = \(key) AND alias = \(named))
                    """, logger: logger))
                if !aliased.isEmpty {
                    found = aliased
                } else {
                    found = try await Self.userMerges(connection.query(
                        """
                        SELECT \(unescaped: Self.mergeColumns) FROM user_merges
                        WHERE workspace = \(key) AND canonical = \(named) AND undone_at IS NULL ORDER BY id DESC LIMIT 1
                        """, logger: logger))
                    guard !found.isEmpty else {
                        throw AttuneError(code: .conflict, message: "the user has no merge to undo", field: "id")
                    }
                }
            }
            let merge = found[0]
            guard merge.undoneAt == nil else {
                throw AttuneError(code: .conflict, message: "the merge was undone already", field: "merge")
            }
            // The merge must concern the person the request names.
            let person = try await Self.canonical(key, named, connection, logger)
            guard try await Self.canonical(key, merge.merged.rawValue, connection, logger) == person else {
                throw AttuneError(code: .conflict, message: "the merge does not involve this user", field: "merge")
            }
            try await split(key, merge, actor: actor, at: time.millisecondsSinceEpoch, connection, logger)
            var undone = merge
            undone.undoneAt = time
            undone.undoneBy = actor
            return undone
        }
    }

    /// Read on every call: SQLite keeps answers until its file changes, which one process can
    /// know and several sharing a server cannot.
    package func canonicalUser(of user: UserID, in workspace: WorkspaceID) async throws -> UserID {
        try await read("read canonical user") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return user }
            return UserID(unchecked: try await Self.canonical(key, user.rawValue, connection, logger))
        }
    }

    package func mergedUsers(into canonical: UserID, in workspace: WorkspaceID) async throws -> [UserID] {
        try await read("read merged users") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            return try await Self.members(key, canonical.rawValue, connection, logger).dropFirst()
                .map(UserID.init(unchecked:))
        }
    }

    package func identifiers(of users: [UserID], in workspace: WorkspaceID) async throws -> [StoredIdentifier] {
        try await read("read identifiers") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            return try await Self.viewIdentifiers(key, users.map(\.rawValue), connection, logger)
        }
    }

    package func merges(involving users: [UserID], in workspace: WorkspaceID) async throws -> [UserMerge] {
        try await read("read merges") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let ids = users.map(\.rawValue)
            // Over both indexes, each row once.
            return try await Self.userMerges(connection.query(
                """
                SELECT \(unescaped: Self.mergeColumns) FROM user_merges
                WHERE workspace = \(key) AND canonical = ANY(\(ids)::text[])
                UNION
                SELECT \(unescaped: Self.mergeColumns) FROM user_merges
                WHERE workspace = \(key) AND merged = ANY(\(ids)::text[])
                ORDER BY id
                """, logger: logger))
        }
    }

    package func sourcePriority(in workspace: WorkspaceID) async throws -> [String] {
        try await read("read source priority") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            return try await Self.storedSourcePriority(key, connection, logger)
        }
    }

    /// Idempotent (retried after a broken connection): setting the same list again changes nothing.
    package func setSourcePriority(_ sources: [String], in workspace: WorkspaceID) async throws {
        for (index, source) in sources.enumerated() { try Self.validateText(source, "sources[\(index)]") }
        try await transaction("set source priority") { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            try await Self.lockWorkspace(key, connection, logger)
            guard try await Self.storedSourcePriority(key, connection, logger) != sources else { return }
            try await connection.query(
                """
                INSERT INTO source_priority (workspace, sources) VALUES (\(key), \(sources.joined(separator: ",")))
                ON CONFLICT (workspace) DO UPDATE SET sources = excluded.sources
                """, logger: logger)
            let rows = try await connection.query(
                "SELECT DISTINCT canonical FROM user_aliases WHERE workspace = \(key)", logger: logger)
            var canonicals: [String] = []
            for try await canonical in rows.decode(String.self) { canonicals.append(canonical) }
            for canonical in canonicals { try await Self.resolveDeclared(key, canonical, connection, logger) }
        }
    }

    /// Whether the store knows `user`: as a merged id, or with a profile, declared traits,
    /// identifiers or events.
    static func isKnown(_ workspace: Int64, _ user: String, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> Bool
    {
        let rows = try await connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM user_aliases WHERE workspace = \(workspace) AND alias = \(user))
                OR EXISTS (SELECT 1 FROM profiles WHERE workspace = \(workspace) AND user_id = \(user))
                OR EXISTS (SELECT 1 FROM user_traits WHERE workspace = \(workspace) AND user_id = \(user))
                OR EXISTS (SELECT 1 FROM user_identifiers WHERE workspace = \(workspace) AND user_id = \(user))
                OR EXISTS (SELECT 1 FROM events WHERE workspace = \(workspace) AND user_id = \(user))
            """, logger: logger)
        var known = false
        for try await value in rows.decode(Bool.self) { known = value }
        return known
    }

    /// PostgreSQL text cannot hold NUL, which SQLite stores: such a call is refused before
    /// anything is written, naming the field.
    static func validateText(_ value: String, _ field: String) throws(AttuneError) {
        guard value.utf8.contains(0) else { return }
        throw AttuneError.invalid(field, "must not contain a NUL character")
    }
}
