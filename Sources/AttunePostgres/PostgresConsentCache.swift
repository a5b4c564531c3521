import AttuneCore
import AttuneStore

/// Every consent decision of the database and the policy, held in memory so that the
/// synchronous checks on the serving path read no database.
///
/// Several processes write consent, so memory is only as good as its last comparison with the
/// database: each workspace's decisions carry the generation they were read at (the database
/// bumps it with every write), and the whole is trusted for ``maxStaleness`` after the last
/// comparison that succeeded. Before the first one, and after a longer outage, checks fail with
/// `storage_error`: a decision this process cannot have seen must not be answered by a guess.
final class PostgresConsentCache: Sendable {
    struct Workspace: Sendable {
        var generation: Int64
        var choices: [String: ConsentChoices]
    }

    struct State: Sendable {
        var policy = ConsentDefault.optOut
        /// -1 until the policy row was read: its generation starts at 0.
        var policyGeneration: Int64 = -1
        var workspaces: [Int64: Workspace] = [:]
        /// Names of the workspaces held, by which the checks are asked.
        var keys: [WorkspaceID: Int64] = [:]
        /// When the last complete comparison with the database started; `nil` before the first.
        var syncedAt: ContinuousClock.Instant?
        /// Whether a connection listening for other processes' writes is up.
        var listening = false
    }

    let state = Locked(State())
    let server: String
    let maxStaleness: Duration

    init(server: String, maxStaleness: Duration) {
        self.server = server
        self.maxStaleness = maxStaleness
    }

    var isListening: Bool { state.withLock { $0.listening } }

    var isLoaded: Bool { state.withLock { $0.syncedAt != nil } }

    func setListening(_ listening: Bool) { state.withLock { $0.listening = listening } }

    /// - Throws: `AttuneError` `storage_error` when memory was never loaded or is too old.
    func policy() throws(AttuneError) -> ConsentDefault {
        try state.withLock { state throws(AttuneError) in
            try checkFresh(state)
            return state.policy
        }
    }

    /// Whether `purpose` is allowed for `subject`: their decision, or the policy when they made
    /// none (also in a workspace this process holds no decisions of: it has none).
    /// - Throws: `AttuneError` `storage_error` when memory was never loaded or is too old.
    func permits(_ purpose: ConsentPurpose, for subject: String, in workspace: WorkspaceID) throws(AttuneError) -> Bool {
        try state.withLock { state throws(AttuneError) in
            try checkFresh(state)
            guard let key = state.keys[workspace], let decided = state.workspaces[key]?.choices[subject] else {
                return state.policy.allows
            }
            return decided.permits(purpose, under: state.policy)
        }
    }

    /// The workspace's decisions and the policy, without the freshness check (the caller has
    /// just compared with the database).
    func snapshot(of workspace: WorkspaceID) -> ConsentSnapshot {
        state.withLock { state in
            let choices = state.keys[workspace].flatMap { state.workspaces[$0]?.choices } ?? [:]
            return ConsentSnapshot(policy: state.policy, choices: choices)
        }
    }

    private func checkFresh(_ state: State) throws(AttuneError) {
        guard let synced = state.syncedAt else {
            throw AttuneError(
                code: .storage,
                message: "PostgreSQL \(server): consent decisions are not loaded yet (run the store and migrate it first)")
        }
        guard ContinuousClock.now - synced <= maxStaleness else {
            throw AttuneError(
                code: .storage,
                message: "PostgreSQL \(server): consent decisions could not be compared with the database for over \(maxStaleness)")
        }
    }

    /// The generation held for a workspace key, `nil` when none is held.
    func generation(of key: Int64) -> Int64? { state.withLock { $0.workspaces[key]?.generation } }

    func name(of key: Int64) -> WorkspaceID? {
        state.withLock { state in state.keys.first { $0.value == key }?.key }
    }

    func applyPolicy(_ policy: ConsentDefault, generation: Int64) {
        state.withLock { state in
            guard generation > state.policyGeneration else { return }
            state.policy = policy
            state.policyGeneration = generation
        }
    }

    /// Decisions read from the database at `generation`: all of the workspace's when `base` is
    /// `nil`, else those written after `base`. Ignored when memory already holds that
    /// generation or a later one (another reader or a write in this process got there first), or
    /// when it holds less than `base` (the rows read would leave a gap).
    func apply(
        _ key: Int64, named name: WorkspaceID, generation: Int64, base: Int64?, rows: [(String, ConsentChoices)]
    ) {
        state.withLock { state in
            let held = state.workspaces[key]?.generation
            if let held, held >= generation { return }
            state.keys[name] = key
            guard let base else {
                state.workspaces[key] = Workspace(generation: generation, choices: Dictionary(rows, uniquingKeysWith: { $1 }))
                return
            }
            guard let held, held >= base else { return }
            state.workspaces[key]?.generation = generation
            for (user, choices) in rows { state.workspaces[key]?.choices[user] = choices }
        }
    }

    /// A write of this process, committed at `generation`. Applied only when memory holds the
    /// generation just before it, so that no other process's write in between is skipped.
    /// - Returns: whether it was applied; when not, the caller compares with the database.
    func applyWrite(_ key: Int64, named name: WorkspaceID, generation: Int64, choices: [String: ConsentChoices]) -> Bool {
        state.withLock { state in
            // A workspace never written to is held as generation 0 with no decisions.
            let held = state.workspaces[key]?.generation ?? 0
            if held >= generation { return true }
            guard held == generation - 1, state.syncedAt != nil else { return false }
            state.keys[name] = key
            state.workspaces[key, default: Workspace(generation: 0, choices: [:])].generation = generation
            for (user, decided) in choices { state.workspaces[key]?.choices[user] = decided }
            return true
        }
    }

    /// An erasure of this process, committed at `generation`: the decisions of `subjects` are
    /// gone. Applied only when memory holds the generation just before it, as ``applyWrite``.
    /// - Returns: whether memory is now at `generation` or later; when not, the caller compares
    ///   with the database (which reads the workspace in full: the erasure was a clearing).
    func applyErasure(_ key: Int64, generation: Int64, forgetting subjects: [String]) -> Bool {
        state.withLock { state in
            guard let held = state.workspaces[key]?.generation else { return false }
            if held >= generation { return true }
            guard held == generation - 1, state.syncedAt != nil else { return false }
            state.workspaces[key]?.generation = generation
            for subject in subjects { state.workspaces[key]?.choices[subject] = nil }
            return true
        }
    }

    /// Records a complete comparison with the database that started at `started`.
    func markSynced(at started: ContinuousClock.Instant) {
        state.withLock { state in
            if let synced = state.syncedAt, synced >= started { return }
            state.syncedAt = started
        }
    }
}
