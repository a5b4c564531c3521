import AttuneCore

/// Work asked of the leader from outside its jobs (a retraining that a click-through alert asks
/// for) that must still belong to one term: it starts only while the term lasts, and the term's
/// end cancels it and waits for it before leadership is released, so that it never runs (or
/// publishes) beside the next leader.
final class TermErrands: Sendable {
    private struct Running: Sendable {
        var cancel: @Sendable () -> Void
        var wait: @Sendable () async -> Void
    }

    private struct State: Sendable {
        var open = false
        var fencingToken: FencingToken?
        var next = 0
        var running: [Int: Running] = [:]
    }

    private let state = Locked(State())

    var isOpen: Bool { state.withLock { $0.open } }

    /// A term begins: errands are accepted, and run with the term's token.
    func open(fencingToken: FencingToken? = nil) {
        state.withLock { state in
            state.open = true
            state.fencingToken = fencingToken
        }
    }

    /// The term ends: no errand starts any more, and those running are cancelled and waited for.
    func close() async {
        let running = state.withLock { state -> [Running] in
            state.open = false
            state.fencingToken = nil
            defer { state.running = [:] }
            return Array(state.running.values)
        }
        for errand in running { errand.cancel() }
        for errand in running { await errand.wait() }
    }

    /// Runs `body` as work of the current term.
    /// - Returns: its result, or `nil` at once when no term lasts (another process leads).
    /// - Throws: what `body` throws; `CancellationError` when the term ended meanwhile.
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T? {
        let started = state.withLock { state -> (Int, Task<T, any Error>)? in
            guard state.open else { return nil }
            state.next += 1
            // The caller is no work of the term (a request handler, say): the token comes from the term.
            let task = Task { [token = state.fencingToken] in
                try await LeaderTerm.$fencingToken.withValue(token) { try await body() }
            }
            state.running[state.next] = Running(cancel: { task.cancel() }, wait: { _ = try? await task.value })
            return (state.next, task)
        }
        guard let (id, task) = started else { return nil }
        defer { _ = state.withLock { $0.running.removeValue(forKey: id) } }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
