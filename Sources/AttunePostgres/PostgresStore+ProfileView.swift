import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

extension PostgresStore: ProfileViewStore {
    /// One read-only REPEATABLE READ transaction, so that every part comes from one snapshot (a
    /// merge committed half-way through cannot split the answer). The person (canonical id, merged
    /// ids, declared traits) is one statement and every later one takes its ids as one array:
    /// twelve round trips at most, BEGIN and COMMIT included.
    package func profileView(of named: UserID, in workspace: WorkspaceID, recentItems: Int, mentionTargets: Int)
        async throws -> ProfileView?
    {
        try await transaction("read profile view") { [self] connection, logger -> ProfileView? in
            // Allowed before the transaction's first query; the helper's BEGIN names READ COMMITTED.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            guard let key = try await workspaceKey(workspace, connection, logger) else { return nil }
            let (user, members, declared) = try await Self.person(key, named.rawValue, connection, logger)
            let stored = try await Self.loadProfiles(key, [user], forUpdate: false, connection, logger)[user]
            guard stored != nil || declared != nil else { return nil }
            // Texts stay under the id they were written for: a merged person's are all its ids'.
            let mentions = try await Self.mentionSummaries(key, members, limit: mentionTargets, connection, logger)
            let favoured = mentions.compactMap { summary -> String? in
                guard (summary.meanSentiment ?? 0) > 0, case .item(let id) = summary.target else { return nil }
                return id.rawValue
            }
            var mentionedItems: [ItemID: Item] = [:]
            if !favoured.isEmpty {
                let rows = try await connection.query(
                    """
                    SELECT \(unescaped: Self.itemColumns) FROM items WHERE workspace = \(key) AND id = ANY(\(favoured)::text[])
                    """, logger: logger)
                for item in try await Self.items(rows) { mentionedItems[item.id] = item }
            }
            return ProfileView(
                user: UserID(unchecked: user), stored: stored, declared: declared,
                imputations: try await Self.viewImputations(key, user, connection, logger),
                recentLabels: try await Self.recentLabels(key, user, limit: recentItems, connection, logger),
                mentions: mentions, mentionedItems: mentionedItems,
                merged: members.dropFirst().map(UserID.init(unchecked:)),
                identifiers: try await Self.viewIdentifiers(key, members, connection, logger),
                merges: try await Self.userMerges(connection.query(
                    """
                    SELECT \(unescaped: Self.mergeColumns) FROM user_merges WHERE workspace = \(key) AND canonical = ANY(\(members)::text[])
                    UNION
                    SELECT \(unescaped: Self.mergeColumns) FROM user_merges WHERE workspace = \(key) AND merged = ANY(\(members)::text[])
                    ORDER BY id
                    """, logger: logger)),
                mergeBlocks: try await Self.pairs(key, members, connection, logger)
                    .map {
                        MergeBlock(
                            user: UserID(unchecked: $0.user), other: UserID(unchecked: $0.other), merge: $0.merge,
                            at: Timestamp(millisecondsSinceEpoch: $0.at))
                    }
                    .sorted { ($0.user.rawValue, $0.other.rawValue) < ($1.user.rawValue, $1.other.rawValue) })
        }
    }

    /// The canonical user of `named`, the person's ids (canonical first, then the merged ones in
    /// id order) and its resolved declared traits, in one statement.
    static func person(_ workspace: Int64, _ named: String, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> (user: String, members: [String], declared: String?)
    {
        let rows = try await connection.query(
            """
            SELECT c.canonical,
                ARRAY(SELECT alias FROM user_aliases WHERE workspace = \(workspace) AND canonical = c.canonical ORDER BY alias),
                (SELECT traits FROM user_traits WHERE workspace = \(workspace) AND user_id = c.canonical)
            FROM (SELECT coalesce(
                (SELECT canonical FROM user_aliases WHERE workspace = \(workspace) AND alias = \(named)), \(named)
            ) AS canonical) c
            """, logger: logger)
        var found = (user: named, members: [named], declared: String?.none)
        for try await (user, aliases, declared) in rows.decode((String, [String], String?).self) {
            found = (user, [user] + aliases, declared)
        }
        return found
    }

    /// The categories and tags of the user's latest `limit` item events (its own and those of
    /// anonymous ids linked to it), oldest first, joined to the catalogue in the same statement;
    /// items the catalogue lacks are left out, as on SQLite.
    static func recentLabels(
        _ workspace: Int64, _ user: String, limit: Int, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> [(categories: [String], tags: [String])] {
        let rows = try await connection.query(
            """
            SELECT i.categories, i.tags FROM (
                SELECT seq, item_id FROM events
                WHERE workspace = \(workspace) AND user_id = \(user) AND item_id IS NOT NULL
                UNION ALL
                SELECT seq, item_id FROM events WHERE workspace = \(workspace) AND anonymous_id IN
                    (SELECT anonymous_id FROM identities WHERE workspace = \(workspace) AND user_id = \(user))
                    AND (user_id IS NULL OR user_id <> \(user)) AND item_id IS NOT NULL
                ORDER BY seq DESC LIMIT \(sqlLimit(limit))) r
            JOIN items i ON i.workspace = \(workspace) AND i.id = r.item_id
            ORDER BY r.seq
            """, logger: logger)
        var out: [(categories: [String], tags: [String])] = []
        for try await (categories, tags) in rows.decode((String, String).self) {
            out.append((labels(categories), labels(tags)))
        }
        return out
    }

    /// The mentioned targets of `users` (a person: canonical first, then its merged ids) taken
    /// together, attributed to the first.
    static func mentionSummaries(
        _ workspace: Int64, _ users: [String], limit: Int, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> [MentionSummary] {
        guard let person = users.first else { return [] }
        let rows = try await connection.query(
            """
            SELECT target_kind, target, count(*), avg(sentiment), min(sentiment), max(ts) FROM text_mentions
            WHERE workspace = \(workspace) AND user_id = ANY(\(users)::text[])
            GROUP BY target_kind, target ORDER BY target_kind, target LIMIT \(max(0, min(limit, maxPageSize)))
            """, logger: logger)
        var summaries: [MentionSummary] = []
        for try await (kind, value, count, mean, lowest, last) in rows.decode((String, String, Int64, Double?, Double?, Int64).self) {
            guard let target = MentionTarget(kind: kind, value: value) else { continue }
            summaries.append(
                MentionSummary(
                    user: UserID(unchecked: person), target: target, count: Int(count), meanSentiment: mean,
                    minSentiment: lowest, lastTime: Timestamp(millisecondsSinceEpoch: last)))
        }
        return summaries
    }

    /// A user's imputed attributes by name (also the `imputations(of:)` read).
    static func viewImputations(_ workspace: Int64, _ user: String, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> [StoredImputation]
    {
        let rows = try await connection.query(
            """
            SELECT attribute, value, confidence, imputed_at FROM imputed_attributes
            WHERE workspace = \(workspace) AND user_id = \(user) ORDER BY attribute
            """, logger: logger)
        var out: [StoredImputation] = []
        for try await (attribute, value, confidence, at) in rows.decode((String, String, Double, Int64).self) {
            out.append(StoredImputation(
                attribute: attribute, value: value, confidence: confidence, imputedAt: Timestamp(millisecondsSinceEpoch: at)))
        }
        return out
    }

    /// The identifiers held by any of `users`, by kind and value (also the `identifiers(of:)` read).
    static func viewIdentifiers(_ workspace: Int64, _ users: [String], _ connection: PostgresConnection, _ logger: Logger)
        async throws -> [StoredIdentifier]
    {
        let rows = try await connection.query(
            """
            SELECT user_id, kind, value, source, first_seen FROM user_identifiers
            WHERE workspace = \(workspace) AND user_id = ANY(\(users)::text[])
            """, logger: logger)
        var out: [StoredIdentifier] = []
        for try await (user, kind, value, source, first) in rows.decode((String, String, String, String, Int64).self) {
            out.append(StoredIdentifier(
                user: UserID(unchecked: user), kind: IdentifierKind(stored: kind), value: value, source: source,
                firstSeen: Timestamp(millisecondsSinceEpoch: first)))
        }
        return out.sorted { ($0.kind, $0.value) < ($1.kind, $1.value) }
    }
}
