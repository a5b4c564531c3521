import AttuneCore
import PostgresNIO

/// Wakes the tasks waiting for a dedicated connection to close: the server restarted, the backend
/// was terminated, or the network broke in a way the socket noticed. Set once from the
/// connection's close future, so that waiting adds no callback per wait.
final class ConnectionClosedSignal: Sendable {
    private struct State {
        var closed = false
        var next = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Locked(State())

    init(_ connection: PostgresConnection) {
        connection.closeFuture.whenComplete { [self] _ in fire() }
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Returns once the connection has closed, or at once when the task is cancelled (the caller
    /// tells the two apart by `Task.isCancelled`).
    func wait() async {
        let id = state.withLock { state -> Int in
            state.next += 1
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.closed || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    private func fire() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.closed = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for continuation in waiting { continuation.resume() }
    }
}
