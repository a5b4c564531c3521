/// Holds the tasks that wait on it until it is opened, whatever cancellation says (as work that
/// does not notice cancellation would), and counts them, so that a test can wait until its tasks
/// are held.
package actor Gate {
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var isOpen = false
    package private(set) var arrived = 0

    package init() {}

    package func wait() async {
        arrived += 1
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    package func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}
