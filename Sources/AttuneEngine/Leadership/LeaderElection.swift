/// Decides which one of several processes runs the jobs that must run once per deployment
/// (training, segment sweeps, webhooks, retention, ...): the leader. On one machine a file lock in
/// the data directory (``FileLockElection``); across machines a database lock implements the same
/// protocol, so the processes that wait, lead and hand over need not know which.
package protocol LeaderElection: Sendable {
    /// Where the election is held, for logs (a lock file's path, a database lock's name).
    var name: String { get }

    /// Waits until this process leads, retrying while another does.
    /// - Returns: the term of leadership, held until ``Leadership/release()`` or until it is lost.
    /// - Throws: `CancellationError` when the waiting task is cancelled; an election that cannot
    ///   be held at all (an unwritable lock file, say) throws its own error.
    func acquire() async throws -> any Leadership
}

/// One term of leadership. A lock that can be taken away (a database session that ends, a lock
/// file that is replaced) reports that through ``lost()``, and the leader stops its jobs at once:
/// another process may already be running them.
package protocol Leadership: Sendable {
    /// Returns when leadership has been lost; until then it waits.
    /// - Throws: `CancellationError` when the waiting task is cancelled (the usual end of a term).
    func lost() async throws

    /// Gives leadership up, so that a waiting process can take it without waiting for a timeout.
    func release() async

    /// This term's token, which leader-only writes carry so that the store refuses them once a
    /// later term has begun; `nil` for a lock that needs none (``FileLockLeadership``).
    var fencingToken: FencingToken? { get }
}

extension Leadership {
    package var fencingToken: FencingToken? { nil }
}
