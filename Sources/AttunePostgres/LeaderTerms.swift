import AttuneCore
import AttuneEngine
import Logging
import PostgresNIO

/// Fencing of leader-only writes with the term counter in `leader_terms`.
///
/// The advisory lock decides who leads, but a leader learns that it lost its session only at its
/// next heartbeat; until then its pooled connections still write. So each process that takes the
/// lock first raises the counter on the lock's session (``begin(on:logger:)``), and each
/// leader-only write reads the counter `FOR SHARE` in its own transaction and goes on only while
/// it still holds its term's value (``check(_:on:logger:)``). The two lock the same row: a write
/// that read the counter first commits before the next term begins, and one that reads it after
/// sees the new term and is refused. Either way every write of term N is ordered before every
/// write of term N + 1.
enum LeaderTerms {
    /// Raises the term and returns it. Waits while a write of the previous term holds the row.
    /// - Throws: what the connection throws (the elector gives the lock up then).
    static func begin(on connection: PostgresConnection, logger: Logger) async throws -> FencingToken {
        let rows = try await connection.query(
            """
            INSERT INTO leader_terms AS t (id, term) VALUES (1, 1)
            ON CONFLICT (id) DO UPDATE SET term = t.term + 1
            RETURNING term
            """, logger: logger)
        var term: Int64?
        for try await value in rows.decode(Int64.self) { term = value }
        guard let term else { throw AttuneError(code: .storage, message: "the leader term counter returned no row") }
        return FencingToken(term: term)
    }

    /// Goes on only while `token`'s term is the newest; holds the counter's row until the
    /// transaction ends, so that no new term begins before this transaction has committed.
    /// - Throws: ``FencedWriteRefused`` when a later term has begun (or none ever did): the
    ///   caller's transaction rolls back, and nothing it wrote is kept.
    static func check(_ token: FencingToken, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query("SELECT term FROM leader_terms WHERE id = 1 FOR SHARE", logger: logger)
        var current: Int64?
        for try await value in rows.decode(Int64.self) { current = value }
        guard current == token.term else {
            throw superseded(token, by: current)
        }
    }

    static func superseded(_ token: FencingToken, by current: Int64?) -> FencedWriteRefused {
        FencedWriteRefused(term: token, current: current)
    }
}
