import AttuneCore
import GRDB

extension SQLiteStore: ProfileViewStore {
    /// One read transaction on the calling thread, every statement prepared once per connection:
    /// the profile read used to make about ten separate reads, each a hop to a dispatch queue.
    package func profileView(of named: UserID, in workspace: WorkspaceID, recentItems: Int, mentionTargets: Int)
        async throws -> ProfileView?
    {
        try readNow { db -> ProfileView? in
            guard let key = try self.workspaceKey(workspace, db) else { return nil }
            let user = try Self.canonical(key, named.rawValue, db)
            let stored = try Self.loadProfile(key, user, db)
            let declared = try String.fetchOne(
                db.cachedStatement(sql: "SELECT traits FROM user_traits WHERE workspace = ? AND user_id = ?"),
                arguments: [key, user])
            guard stored != nil || declared != nil else { return nil }
            let members = try Self.members(key, user, db)
            // Texts stay under the id they were written for: a merged person's are all its ids'.
            let mentions = try Self.mentionSummaries(key, members, limit: mentionTargets, db)
            let favoured = mentions.compactMap { summary -> ItemID? in
                guard (summary.meanSentiment ?? 0) > 0, case .item(let id) = summary.target else { return nil }
                return id
            }
            var mentionedItems: [ItemID: Item] = [:]
            if !favoured.isEmpty {
                try Self.forEachRow(
                    db, select: "*", from: "items", key: "id", workspace: key, in: favoured.map(\.rawValue)
                ) { row in
                    let item = Self.item(row)
                    mentionedItems[item.id] = item
                }
            }
            return ProfileView(
                user: UserID(unchecked: user), stored: stored, declared: declared,
                imputations: try Self.imputations(key, user, db),
                recentLabels: try Self.recentLabels(key, user, limit: recentItems, db),
                mentions: mentions, mentionedItems: mentionedItems,
                merged: members.dropFirst().map(UserID.init(unchecked:)),
                identifiers: try Self.identifiers(key, members, db),
                merges: try Self.merges(key, members, db),
                mergeBlocks: try Self.mergeBlocks(key, members, db))
        }
    }

    /// The categories and tags of the user's latest `limit` item events (its own and those of
    /// anonymous ids linked to it), oldest first, joined to the catalogue in the same statement.
    static func recentLabels(_ workspace: Int64, _ user: String, limit: Int, _ db: Database) throws
        -> [(categories: [String], tags: [String])]
    {
        let statement = try db.cachedStatement(
            sql: """
                SELECT i.categories, i.tags FROM (
                    SELECT seq, item_id FROM events WHERE workspace = ?1 AND user_id = ?2 AND item_id IS NOT NULL
                    UNION ALL
                    SELECT seq, item_id FROM events WHERE workspace = ?1 AND anonymous_id IN
                        (SELECT anonymous_id FROM identities WHERE workspace = ?1 AND user_id = ?2)
                        AND (user_id IS NULL OR user_id != ?2) AND item_id IS NOT NULL
                    ORDER BY seq DESC LIMIT ?3) r
                LEFT JOIN items i ON i.workspace = ?1 AND i.id = r.item_id
                ORDER BY r.seq
                """)
        statement.setUncheckedArguments([workspace, user, limit])
        var out: [(categories: [String], tags: [String])] = []
        let rows = try Row.fetchCursor(statement)
        while let row = try rows.next() {
            guard let categories: String = row[0], let tags: String = row[1] else { continue }
            out.append((labels(categories), labels(tags)))
        }
        return out
    }

    static func imputations(_ workspace: Int64, _ user: String, _ db: Database) throws -> [StoredImputation] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT attribute, value, confidence, imputed_at FROM imputed_attributes
                    WHERE workspace = ? AND user_id = ? ORDER BY attribute
                    """),
            arguments: [workspace, user]
        ).map { row in
            StoredImputation(
                attribute: row[0], value: row[1], confidence: row[2], imputedAt: Timestamp(millisecondsSinceEpoch: row[3]))
        }
    }

    /// The mentioned targets of `users` (a person: canonical first, then its merged ids) taken
    /// together, attributed to the first.
    static func mentionSummaries(_ workspace: Int64, _ users: [String], limit: Int, _ db: Database) throws
        -> [MentionSummary]
    {
        guard let person = users.first else { return [] }
        // One statement per member count, so the common single id keeps its cached statement.
        let placeholders = Array(repeating: "?", count: users.count).joined(separator: ", ")
        var arguments: [(any DatabaseValueConvertible)?] = [workspace]
        arguments += users
        arguments.append(max(0, min(limit, maxPageSize)))
        return try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT min(user_id), target_kind, target, count(*), avg(sentiment), min(sentiment), max(ts)
                    FROM text_mentions WHERE workspace = ? AND user_id IN (\(placeholders))
                    GROUP BY target_kind, target ORDER BY target_kind, target LIMIT ?
                    """),
            arguments: StatementArguments(arguments)
        ).compactMap { summary($0, user: UserID(unchecked: person)) }
    }

    /// The identifiers held by any of `users`, by kind and value.
    static func identifiers(_ workspace: Int64, _ users: [String], _ db: Database) throws -> [StoredIdentifier] {
        var out: [StoredIdentifier] = []
        try forEachRow(
            db, select: "user_id, kind, value, source, first_seen",
            from: "user_identifiers INDEXED BY user_identifiers_by_user", key: "user_id",
            workspace: workspace, in: users
        ) { row in
            out.append(
                StoredIdentifier(
                    user: UserID(unchecked: row[0]), kind: IdentifierKind(stored: row[1]), value: row[2],
                    source: row[3], firstSeen: Timestamp(millisecondsSinceEpoch: row[4])))
        }
        return out.sorted { ($0.kind, $0.value) < ($1.kind, $1.value) }
    }

    /// Every merge (undone ones too) whose canonical or merged user is one of `users`, oldest first.
    static func merges(_ workspace: Int64, _ users: [String], _ db: Database) throws -> [UserMerge] {
        if users.count == 1 {
            // The common case, a person never merged: one statement over both indexes.
            return try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT * FROM user_merges WHERE workspace = ?1 AND canonical = ?2
                        UNION SELECT * FROM user_merges WHERE workspace = ?1 AND merged = ?2
                        ORDER BY id
                        """),
                arguments: [workspace, users[0]]
            ).map(userMerge)
        }
        var byID: [Int64: UserMerge] = [:]
        for column in ["canonical", "merged"] {
            try forEachRow(db, select: "*", from: "user_merges", key: column, workspace: workspace, in: users) { row in
                let merge = userMerge(row)
                byID[merge.id] = merge
            }
        }
        return byID.values.sorted { $0.id < $1.id }
    }
}
