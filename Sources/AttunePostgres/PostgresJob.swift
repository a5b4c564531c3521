import AttuneCore

/// Work asked of the workers (a retraining, an import, ...), for one workspace.
package struct JobRequest: Sendable {
    /// What to do: the claimer picks the kinds it knows.
    package var kind: String
    package var workspace: WorkspaceID
    /// The job's parameters, stored as sent.
    package var payload: JSONValue
    /// While a job of this kind, workspace and key is pending, asking again adds nothing.
    package var dedupKey: String?
    /// Claims before the job is given up as dead; the queue's default when `nil`.
    package var maxAttempts: Int?
    /// Not claimed before this time; at once when `nil`.
    package var runAfter: Timestamp?

    package init(
        kind: String, workspace: WorkspaceID, payload: JSONValue = .object([]), dedupKey: String? = nil,
        maxAttempts: Int? = nil, runAfter: Timestamp? = nil
    ) {
        self.kind = kind
        self.workspace = workspace
        self.payload = payload
        self.dedupKey = dedupKey
        self.maxAttempts = maxAttempts
        self.runAfter = runAfter
    }
}

/// The answer to an enqueue: the job's id, and whether this call made it (`false` when a pending
/// job with the same deduplication key stood for it already).
package struct EnqueuedJob: Sendable, Equatable {
    package var id: Int64
    package var created: Bool

    package init(id: Int64, created: Bool) {
        self.id = id
        self.created = created
    }
}

/// One claim of a job: held until ``leaseUntil``, after which another worker may claim it again.
/// `attempt` names the claim: completing or failing it after another claimed the job does nothing.
package struct ClaimedJob: Sendable {
    package var id: Int64
    package var kind: String
    package var workspace: WorkspaceID
    package var payload: JSONValue
    /// 1 for the first claim.
    package var attempt: Int
    package var maxAttempts: Int
    package var leaseUntil: Timestamp
}

/// Where a job stands, for operators and tests.
package struct JobRecord: Sendable, Equatable {
    package enum State: String, Sendable {
        case pending, running, done, dead
        /// Failed while another pending job with its key stood ready to do the same work.
        case superseded
    }

    package var id: Int64
    package var kind: String
    package var state: State
    package var attempts: Int
    package var runAfter: Timestamp
    package var lastError: String?
}

/// What became of a failed claim.
package enum JobFailureOutcome: Sendable, Equatable {
    /// Pending again, not claimed before this time.
    case retryAt(Timestamp)
    /// Out of attempts: never claimed again.
    case dead
    /// Another pending job with the same key will do the work.
    case superseded
}
