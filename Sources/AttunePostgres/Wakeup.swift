import AttuneCore

/// A wake-up call for one waiting loop. A call that comes while the loop is busy is kept, so
/// the next wait returns at once and no call is lost between two waits.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Locked(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at the next ``signal()`` (at once if one came since the last wait), after
    /// `timeout`, or when the task is cancelled. One waiter at a time.
    func wait(upTo timeout: Duration) async {
        let timer = Task { [self] in
            // A cancelled sleep means the wait already ended: ringing then would cut the next one short.
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            signal()
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            signal()
        }
    }
}
