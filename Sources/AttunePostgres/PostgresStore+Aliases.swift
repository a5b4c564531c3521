import AttuneCore
import Logging
import PostgresNIO

/// The alias map of merged users and the source priority, read inside the caller's transaction.
extension PostgresStore {
    /// The canonical user of `user`: the one it was merged into, or itself.
    static func canonical(_ workspace: Int64, _ user: String, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> String
    {
        let rows = try await connection.query(
            "SELECT canonical FROM user_aliases WHERE workspace = \(workspace) AND alias = \(user)", logger: logger)
        var found = user
        for try await canonical in rows.decode(String.self) { found = canonical }
        return found
    }

    /// `canonical` and the users merged into it, canonical first, then in id (byte) order.
    static func members(_ workspace: Int64, _ canonical: String, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> [String]
    {
        let rows = try await connection.query(
            """
            SELECT alias FROM user_aliases WHERE workspace = \(workspace) AND canonical = \(canonical) ORDER BY alias
            """, logger: logger)
        var out = [canonical]
        for try await alias in rows.decode(String.self) { out.append(alias) }
        return out
    }

    /// The source priority, most trusted first (empty: the most recent declaration wins).
    static func storedSourcePriority(_ workspace: Int64, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> [String]
    {
        let rows = try await connection.query(
            "SELECT sources FROM source_priority WHERE workspace = \(workspace)", logger: logger)
        var text: String?
        for try await sources in rows.decode(String.self) { text = sources }
        return text?.split(separator: ",").map(String.init) ?? []
    }
}
