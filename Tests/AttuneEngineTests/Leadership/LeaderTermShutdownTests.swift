import AttuneCore
import AttuneEngine
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// At shutdown a term stays watched, and held, until the last job has returned: a database lock
/// whose session went unwatched would be dropped by the server (after its idle timeout) while a
/// job still ran, and another process would lead beside it.
struct LeaderTermShutdownTests {
    /// One term, whose loss the test decides, that records in `history` when it stops being
    /// watched and when it is released.
    final class ControlledElection: LeaderElection {
        let history = Locked<[String]>([])
        let loss = AsyncStream<Void>.makeStream()

        var name: String { "controlled" }

        func acquire() async throws -> any Leadership { Term(election: self) }

        func record(_ entry: String) { history.withLock { $0.append(entry) } }

        struct Term: Leadership {
            let election: ControlledElection

            func lost() async throws {
                var iterator = election.loss.stream.makeAsyncIterator()
                _ = await iterator.next()
                if Task.isCancelled {
                    election.record("unwatched")
                    throw CancellationError()
                }
                election.record("lost")
            }

            func release() async { election.record("released") }
        }
    }

    /// Like a training that ignores the shutdown: it ends when cancelled or when told to.
    struct SlowToStopJob: Service {
        let election: ControlledElection
        let finish: AsyncStream<Void>

        func run() async throws {
            election.record("started")
            try? await gracefulShutdown()
            election.record("shutdown seen")
            var iterator = finish.makeAsyncIterator()
            _ = await iterator.next()
            election.record(Task.isCancelled ? "job cancelled" : "job finished")
        }
    }

    /// Ends at shutdown or when cancelled.
    struct QuietJob: Service {
        func run() async throws { try? await gracefulShutdown() }
    }

    @Test(.timeLimit(.minutes(1)))
    func aTermIsWatchedAndHeldUntilTheLastJobHasStopped() async throws {
        let election = ControlledElection()
        let finish = AsyncStream<Void>.makeStream()
        let gate = LeaderOnlyServices(
            election: election, jobs: [SlowToStopJob(election: election, finish: finish.stream)], logger: Logger(label: "test"))
        let group = ServiceGroup(services: [gate], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while !election.history.withLock({ $0.contains("started") }) { try await Task.sleep(for: .milliseconds(5)) }
            await group.triggerGracefulShutdown()
            while !election.history.withLock({ $0.contains("shutdown seen") }) { try await Task.sleep(for: .milliseconds(5)) }
            #expect(gate.isLeading, "a job still runs: the term is still this process's")
            finish.continuation.yield()
            try await tasks.waitForAll()
        }
        #expect(
            election.history.withLock { $0 } == ["started", "shutdown seen", "job finished", "unwatched", "released"],
            "watched until the job returned, released after")
    }

    @Test(.timeLimit(.minutes(1)))
    func aTermLostDuringShutdownCancelsTheJobStillRunning() async throws {
        let election = ControlledElection()
        let finish = AsyncStream<Void>.makeStream()
        let gate = LeaderOnlyServices(
            election: election, jobs: [SlowToStopJob(election: election, finish: finish.stream)], logger: Logger(label: "test"))
        let group = ServiceGroup(services: [gate], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while !election.history.withLock({ $0.contains("started") }) { try await Task.sleep(for: .milliseconds(5)) }
            await group.triggerGracefulShutdown()
            while !election.history.withLock({ $0.contains("shutdown seen") }) { try await Task.sleep(for: .milliseconds(5)) }
            // The session behind the lock ends (an idle timeout, a terminated backend).
            election.loss.continuation.yield()
            try await tasks.waitForAll()
        }
        #expect(election.history.withLock { $0 } == ["started", "shutdown seen", "lost", "job cancelled", "released"])
    }

    /// Work asked of the leader outside its jobs (a retraining after a click-through drop)
    /// belongs to the term: refused without one, cancelled and waited for before the release.
    @Test(.timeLimit(.minutes(1)))
    func workAskedOfTheLeaderEndsWithItsTerm() async throws {
        let election = ControlledElection()
        let gate = LeaderOnlyServices(election: election, jobs: [QuietJob()], logger: Logger(label: "test"))
        #expect(try await gate.whileLeading({ 1 }) == nil, "not leading: refused at once")
        let group = ServiceGroup(services: [gate], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while !gate.isLeading { try await Task.sleep(for: .milliseconds(5)) }
            let errand = Task {
                try await gate.whileLeading {
                    election.record("errand started")
                    // A training that only a cancellation ends.
                    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
                    election.record("errand cancelled")
                    throw CancellationError()
                }
            }
            while !election.history.withLock({ $0.contains("errand started") }) { try await Task.sleep(for: .milliseconds(5)) }
            election.loss.continuation.yield()
            await #expect(throws: CancellationError.self) { try await errand.value }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let history = election.history.withLock { $0 }
        let cancelled = try #require(history.firstIndex(of: "errand cancelled"))
        let released = try #require(history.firstIndex(of: "released"))
        #expect(cancelled < released, "\(history)")
    }
}
