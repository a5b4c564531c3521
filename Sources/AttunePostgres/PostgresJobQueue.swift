import AttuneCore
import Logging
import PostgresNIO

/// A queue of jobs in the `jobs` table, shared by every process on the database: any replica
/// enqueues, workers claim. A claim is `FOR UPDATE SKIP LOCKED`: concurrent claimers skip the row
/// another is taking instead of waiting for it, so no two get the same job and none blocks.
///
/// A claim is a lease: a worker that dies mid-job stops renewing it, and once it has run out the
/// job is claimed again (counting an attempt). A failure puts the job back with an exponential
/// backoff until it has used ``Options/maxAttempts`` claims, then it is dead.
///
/// Times are the caller's (`at now`), as everywhere in the store; the workers' clocks are assumed
/// synchronised (NTP) to well within a lease.
package struct PostgresJobQueue: Sendable {
    package struct Options: Sendable {
        package var lease: Duration
        package var maxAttempts: Int
        /// The pause after the first failure; doubled after each later one, up to ``maxBackoff``.
        package var backoff: Duration
        package var maxBackoff: Duration

        package init(
            lease: Duration = .seconds(300), maxAttempts: Int = 5, backoff: Duration = .seconds(10),
            maxBackoff: Duration = .seconds(3_600)
        ) {
            self.lease = lease
            self.maxAttempts = max(1, maxAttempts)
            self.backoff = backoff
            self.maxBackoff = maxBackoff
        }
    }

    /// Limits on what callers put in a job: kinds and keys name things, payloads are parameters.
    package static let maximumKindLength = 100
    package static let maximumDedupKeyLength = 200
    package static let maximumPayloadBytes = 1 << 20
    package static let maximumAttempts = 100

    package let store: PostgresStore
    package let options: Options

    package init(store: PostgresStore, options: Options = Options()) {
        self.store = store
        self.options = options
    }

    /// Adds a job, unless a pending one of the same kind, workspace and deduplication key exists.
    /// - Throws: `AttuneError` `invalid_value` naming the field; `not_found` for an unknown
    ///   workspace; `storage_error` when the database cannot be reached.
    @discardableResult
    package func enqueue(_ request: JobRequest, at now: Timestamp) async throws -> EnqueuedJob {
        let kind = try Self.validKind(request.kind)
        if let key = request.dedupKey {
            guard !key.isEmpty, key.utf8.count <= Self.maximumDedupKeyLength, !key.contains("\0") else {
                throw AttuneError.invalid(
                    "dedupKey", "dedupKey must be 1 to \(Self.maximumDedupKeyLength) bytes without NUL characters")
            }
        }
        // As sent, keys in their order: the claimer reads back what was enqueued.
        let payload = request.payload.serialized()
        guard payload.utf8.count <= Self.maximumPayloadBytes else {
            throw AttuneError.tooLarge("a job payload may hold at most \(Self.maximumPayloadBytes) bytes")
        }
        let attempts = request.maxAttempts ?? options.maxAttempts
        guard (1...Self.maximumAttempts).contains(attempts) else {
            throw AttuneError.invalid("maxAttempts", "maxAttempts must be from 1 to \(Self.maximumAttempts)")
        }
        let runAfter = (request.runAfter ?? now).millisecondsSinceEpoch
        let dedupKey = request.dedupKey
        let workspace = request.workspace
        let created = now.millisecondsSinceEpoch
        return try await store.transaction("enqueue job") { [store] connection, logger in
            let key = try await store.requireWorkspace(workspace, connection, logger)
            // The pending twin may be claimed between the refused insert and the look-up; the
            // insert then succeeds on the next round.
            for _ in 0..<3 {
                let inserted = try await connection.query(
                    """
                    INSERT INTO jobs (kind, workspace, payload, dedup_key, state, max_attempts, run_after, created_at)
                    VALUES (\(kind), \(key), \(payload), \(dedupKey), 'pending', \(attempts), \(runAfter), \(created))
                    ON CONFLICT (kind, workspace, dedup_key) WHERE state = 'pending' AND dedup_key IS NOT NULL DO NOTHING
                    RETURNING id
                    """, logger: logger)
                for try await id in inserted.decode(Int64.self) { return EnqueuedJob(id: id, created: true) }
                let existing = try await connection.query(
                    """
                    SELECT id FROM jobs
                    WHERE kind = \(kind) AND workspace = \(key) AND dedup_key = \(dedupKey) AND state = 'pending'
                    """, logger: logger)
                for try await id in existing.decode(Int64.self) { return EnqueuedJob(id: id, created: false) }
            }
            throw PostgresFailure(kind: .transient, reason: "a pending job kept appearing and disappearing")
        }
    }

    /// Claims the job of one of `kinds` that has waited longest (ready pending jobs, and running
    /// ones whose lease ran out), for ``Options/lease`` (or `lease`).
    /// - Parameter worker: who claims, recorded for operators.
    /// - Returns: the claim, or `nil` when no such job is ready.
    package func claim(
        kinds: [String], worker: String, at now: Timestamp, lease: Duration? = nil
    ) async throws -> ClaimedJob? {
        let kinds = try kinds.map(Self.validKind)
        guard !kinds.isEmpty else { return nil }
        let time = now.millisecondsSinceEpoch
        let until = time + Self.milliseconds(lease ?? options.lease)
        let claimer = String(worker.prefix(200))
        // Not idempotent: a claim whose COMMIT broke may have taken the job, which then waits for
        // its lease to run out rather than being claimed twice at once.
        return try await store.transaction("claim job", idempotent: false) { connection, logger in
            // A job whose worker died with every attempt used is dead, not claimed once more.
            try await connection.query(
                """
                UPDATE jobs SET state = 'dead', finished_at = \(time),
                    last_error = 'the lease ran out on the last attempt (the worker stopped or died)'
                WHERE id IN (
                    SELECT id FROM jobs
                    WHERE kind = ANY(\(kinds)) AND state = 'running' AND lease_until <= \(time) AND attempts >= max_attempts
                    FOR UPDATE SKIP LOCKED
                )
                """, logger: logger)
            let rows = try await connection.query(
                """
                UPDATE jobs SET state = 'running', attempts = jobs.attempts + 1, lease_until = \(until),
                    claimed_by = \(claimer)
                FROM workspaces w
                WHERE jobs.id = (
                    SELECT id FROM jobs
                    WHERE kind = ANY(\(kinds)) AND (
                        (state = 'pending' AND run_after <= \(time))
                        OR (state = 'running' AND lease_until <= \(time) AND attempts < max_attempts))
                    ORDER BY COALESCE(lease_until, run_after), id
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED
                ) AND w.pk = jobs.workspace
                RETURNING jobs.id, jobs.kind, w.name, jobs.payload, jobs.attempts, jobs.max_attempts
                """, logger: logger)
            for try await (id, kind, workspace, payload, attempt, maxAttempts)
                in rows.decode((Int64, String, String, String, Int, Int).self)
            {
                return ClaimedJob(
                    id: id, kind: kind, workspace: WorkspaceID(unchecked: workspace),
                    payload: try JSONParser().parse(Array(payload.utf8)), attempt: attempt, maxAttempts: maxAttempts,
                    leaseUntil: Timestamp(millisecondsSinceEpoch: until))
            }
            return nil
        }
    }

    /// Extends the lease of a long job.
    /// - Returns: the claim with its new lease, or `nil` when it is no longer this claim's (the
    ///   lease ran out and another worker claimed the job: stop working on it).
    package func renew(_ job: ClaimedJob, at now: Timestamp, lease: Duration? = nil) async throws -> ClaimedJob? {
        let until = now.millisecondsSinceEpoch + Self.milliseconds(lease ?? options.lease)
        let renewed = try await store.transaction("renew job lease") { connection, logger in
            let rows = try await connection.query(
                """
                UPDATE jobs SET lease_until = \(until)
                WHERE id = \(job.id) AND attempts = \(job.attempt) AND state = 'running'
                RETURNING id
                """, logger: logger)
            for try await _ in rows.decode(Int64.self) { return true }
            return false
        }
        guard renewed else { return nil }
        var job = job
        job.leaseUntil = Timestamp(millisecondsSinceEpoch: until)
        return job
    }

    /// Marks the claimed job done.
    /// - Returns: `false` when the claim was no longer this worker's (another claimed the job
    ///   after the lease ran out; its outcome stands).
    @discardableResult
    package func complete(_ job: ClaimedJob, at now: Timestamp) async throws -> Bool {
        try await store.transaction("complete job") { connection, logger in
            let rows = try await connection.query(
                """
                UPDATE jobs SET state = 'done', finished_at = \(now.millisecondsSinceEpoch), lease_until = NULL
                WHERE id = \(job.id) AND attempts = \(job.attempt) AND state = 'running'
                RETURNING id
                """, logger: logger)
            for try await _ in rows.decode(Int64.self) { return true }
            return false
        }
    }

    /// Records a failed claim: the job is pending again after a backoff, or dead once it has used
    /// its attempts, or superseded when a pending job with its key will do the same work.
    /// - Parameter error: a reason for operators; cut to 1,000 characters.
    /// - Returns: what became of the job, or `nil` when the claim was no longer this worker's.
    @discardableResult
    package func fail(_ job: ClaimedJob, error: String, at now: Timestamp) async throws -> JobFailureOutcome? {
        let time = now.millisecondsSinceEpoch
        let retryAt = time + Self.milliseconds(backoff(afterAttempt: job.attempt))
        let reason = String(error.prefix(1_000))
        return try await store.transaction("fail job") { connection, logger in
            let rows = try await connection.query(
                """
                WITH next AS (
                    SELECT id, CASE
                        WHEN attempts >= max_attempts THEN 'dead'
                        WHEN dedup_key IS NOT NULL AND EXISTS (
                            SELECT 1 FROM jobs twin
                            WHERE twin.kind = jobs.kind AND twin.workspace = jobs.workspace
                              AND twin.dedup_key = jobs.dedup_key AND twin.state = 'pending') THEN 'superseded'
                        ELSE 'pending' END AS state
                    FROM jobs
                    WHERE id = \(job.id) AND attempts = \(job.attempt) AND state = 'running'
                    FOR UPDATE
                )
                UPDATE jobs SET state = next.state, run_after = \(retryAt), lease_until = NULL, last_error = \(reason),
                    finished_at = CASE WHEN next.state = 'pending' THEN NULL ELSE \(time) END
                FROM next WHERE jobs.id = next.id
                RETURNING jobs.state
                """, logger: logger)
            for try await state in rows.decode(String.self) {
                switch state {
                case "dead": return .dead
                case "superseded": return .superseded
                default: return .retryAt(Timestamp(millisecondsSinceEpoch: retryAt))
                }
            }
            return nil
        }
    }

    /// The pause after the `attempt`-th claim failed.
    package func backoff(afterAttempt attempt: Int) -> Duration {
        let doubled = options.backoff * (1 << min(max(attempt - 1, 0), 20))
        return min(doubled, options.maxBackoff)
    }

    /// The job with id `id`, or `nil`.
    package func record(_ id: Int64) async throws -> JobRecord? {
        try await store.read("read job") { connection, logger in
            let rows = try await connection.query(
                "SELECT id, kind, state, attempts, run_after, last_error FROM jobs WHERE id = \(id)", logger: logger)
            for try await (id, kind, state, attempts, runAfter, lastError)
                in rows.decode((Int64, String, String, Int, Int64, String?).self)
            {
                return JobRecord(
                    id: id, kind: kind, state: JobRecord.State(rawValue: state) ?? .dead, attempts: attempts,
                    runAfter: Timestamp(millisecondsSinceEpoch: runAfter), lastError: lastError)
            }
            return nil
        }
    }

    /// Deletes done, dead and superseded jobs that finished before `time`.
    /// - Returns: how many were deleted.
    @discardableResult
    package func purge(finishedBefore time: Timestamp) async throws -> Int {
        try await store.transaction("purge jobs") { connection, logger in
            let rows = try await connection.query(
                """
                WITH gone AS (
                    DELETE FROM jobs WHERE state IN ('done', 'dead', 'superseded') AND finished_at < \(time.millisecondsSinceEpoch)
                    RETURNING 1
                ) SELECT count(*) FROM gone
                """, logger: logger)
            var count = 0
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
    }

    static func validKind(_ kind: String) throws -> String {
        guard !kind.isEmpty, kind.utf8.count <= maximumKindLength,
            kind.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            throw AttuneError.invalid("kind", "kind must be 1 to \(maximumKindLength) printable ASCII characters without spaces")
        }
        return kind
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}
