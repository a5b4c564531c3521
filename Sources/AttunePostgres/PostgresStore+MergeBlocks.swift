import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

/// "Do not merge" pairs, as on SQLite: an unmerge records the two users it split, and automatic
/// resolution (shared identifiers) never joins two groups holding such a pair again. A manual
/// merge of the two clears the pair: a person decided.
extension PostgresStore {
    /// Records that `first` and `second` must not be merged automatically.
    static func blockMerge(
        _ workspace: Int64, _ first: String, _ second: String, merge: Int64, at time: Int64,
        _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        // Byte order, as the `COLLATE "C"` columns and SQLite compare.
        let (a, b) = first.utf8.lexicographicallyPrecedes(second.utf8) ? (first, second) : (second, first)
        try await connection.query(
            """
            INSERT INTO merge_blocks (workspace, a, b, merge_id, at) VALUES (\(workspace), \(a), \(b), \(merge), \(time))
            ON CONFLICT (workspace, a, b) DO UPDATE SET merge_id = excluded.merge_id, at = excluded.at
            """, logger: logger)
    }

    /// The users any of `users` must not be merged with automatically.
    static func blockedPartners(
        _ workspace: Int64, _ users: [String], _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> Set<String> {
        var partners: Set<String> = []
        for pair in try await pairs(workspace, users, connection, logger) { partners.insert(pair.other) }
        return partners
    }

    package func mergeBlocks(involving users: [UserID], in workspace: WorkspaceID) async throws -> [MergeBlock] {
        try await read("read merge blocks") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            return try await Self.pairs(key, Array(Set(users.map(\.rawValue))), connection, logger)
                .map {
                    MergeBlock(
                        user: UserID(unchecked: $0.user), other: UserID(unchecked: $0.other), merge: $0.merge,
                        at: Timestamp(millisecondsSinceEpoch: $0.at))
                }
                .sorted { ($0.user.rawValue, $0.other.rawValue) < ($1.user.rawValue, $1.other.rawValue) }
        }
    }

    /// The pairs of any of `users`, each from the side of its member in `users`, in one statement
    /// over both indexes.
    static func pairs(
        _ workspace: Int64, _ users: [String], _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> [(user: String, other: String, merge: Int64, at: Int64)] {
        guard !users.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            SELECT a, b, merge_id, at FROM merge_blocks WHERE workspace = \(workspace) AND a = ANY(\(users)::text[])
            UNION ALL
            SELECT b, a, merge_id, at FROM merge_blocks WHERE workspace = \(workspace) AND b = ANY(\(users)::text[])
            """, logger: logger)
        var out: [(user: String, other: String, merge: Int64, at: Int64)] = []
        for try await (user, other, merge, at) in rows.decode((String, String, Int64, Int64).self) {
            out.append((user, other, merge, at))
        }
        return out
    }

    /// Whether the workspace has any pair at all: attaching identifiers looks pairs up only then.
    static func hasMergeBlocks(_ workspace: Int64, _ connection: PostgresConnection, _ logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT EXISTS (SELECT 1 FROM merge_blocks WHERE workspace = \(workspace))", logger: logger)
        var found = false
        for try await exists in rows.decode(Bool.self) { found = exists }
        return found
    }

    /// Removes every pair between members of different groups among `canonicals` (a manual merge
    /// of them). Pairs inside one group cannot exist: nothing merges across a pair but this.
    static func clearMergeBlocks(
        _ workspace: Int64, among canonicals: [String], _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        var everyone: [String] = []
        for canonical in canonicals { everyone += try await members(workspace, canonical, connection, logger) }
        try await connection.query(
            """
            DELETE FROM merge_blocks
            WHERE workspace = \(workspace) AND a = ANY(\(everyone)::text[]) AND b = ANY(\(everyone)::text[])
            """, logger: logger)
    }
}
