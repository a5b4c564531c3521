import Synchronization

/// A request to stop a training that runs on a thread of its own, where task cancellation does not
/// reach: the caller binds one to the thread (``run(_:_:)``) and raises it when its task is
/// cancelled (a leader that shuts down or loses its term), and the iterative fits read it once per
/// epoch, iteration or round, never per element. A fit that sees it ends its loop early and returns
/// what it has; the caller, which raised it, throws that model away.
package final class TrainingStop: Sendable {
    private let raised = Atomic<Bool>(false)

    package init() {}

    package func request() { raised.store(true, ordering: .relaxed) }

    package var isRequested: Bool { raised.load(ordering: .relaxed) }

    /// The stop of the training running on this thread (bound outside any task as well: task-local
    /// values fall back to the thread).
    @TaskLocal package static var current: TrainingStop?

    /// Whether the training running on this thread was asked to stop.
    package static var requested: Bool { current?.isRequested ?? false }

    /// Runs `body` with `stop` bound, so that the fits it calls on this thread see it.
    package static func run<T>(_ stop: TrainingStop, _ body: () throws -> T) rethrows -> T {
        try $current.withValue(stop) { try body() }
    }

    /// Throws `CancellationError` when the training on this thread was asked to stop.
    package static func check() throws {
        if requested { throw CancellationError() }
    }
}
