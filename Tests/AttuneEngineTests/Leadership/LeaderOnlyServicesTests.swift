import AttuneCore
import AttuneEngine
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The wrapper runs its jobs only during a term of leadership: not while another holds the lock,
/// stopped when the term is lost, again once it leads again, and leadership released at shutdown.
struct LeaderOnlyServicesTests {
    @Test(.timeLimit(.minutes(1)))
    func jobsRunOnlyWhileLeadingStopWhenLeadershipIsLostAndLeadershipIsReleasedAtShutdown() async throws {
        let directory = try TemporaryDirectory()
        let other = try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10))
        let mine = try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10))
        let counting = CountingElection(mine)
        let held = try #require(try other.tryAcquire())
        let released = Flag()
        let (events, recorder) = AsyncStream.makeStream(of: JobEvent.self)
        let job = RecordingJob(events: recorder, released: released)
        let gate = LeaderOnlyServices(election: counting, jobs: [job], logger: Logger(label: "test"))
        let group = ServiceGroup(services: [gate], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var seen = events.makeAsyncIterator()
            // Refused twice while the other holds the lock (or, were it to exclude nothing, leading).
            while counting.refusals < 2 && !gate.isLeading { try await Task.sleep(for: .milliseconds(5)) }
            #expect(!gate.isLeading, "not while another holds the lock")
            released.set()
            await held.release()
            #expect(await seen.next() == .started(afterRelease: true), "the job starts only once the other lets go")
            #expect(gate.isLeading)
            #expect(try other.tryAcquire() == nil, "the wrapper holds the lock while its jobs run")

            // Someone removes the lock file; another process would lock a new one: stop at once.
            try FileManager.default.removeItem(atPath: mine.path)
            #expect(await seen.next() == .cancelled)
            #expect(
                await seen.next() == .started(afterRelease: true), "leading again (the new file), the job runs again")
            #expect(try other.tryAcquire() == nil)

            await group.triggerGracefulShutdown()
            #expect(await seen.next() == .shutDown)
            try await tasks.waitForAll()
        }
        #expect(!gate.isLeading)
        let after = try #require(try other.tryAcquire(), "shutdown releases leadership")
        await after.release()
    }

    @Test func aFailedElectionIsTriedAgainRatherThanEndingTheService() async throws {
        let directory = try TemporaryDirectory()
        let election = FailingFirstElection(
            failures: 2,
            then: try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10)))
        let (events, recorder) = AsyncStream.makeStream(of: JobEvent.self)
        let released = Flag()
        released.set()
        let gate = LeaderOnlyServices(
            election: election, jobs: [RecordingJob(events: recorder, released: released)],
            logger: Logger(label: "test"), retryAfterFailure: .milliseconds(10))
        let group = ServiceGroup(services: [gate], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var seen = events.makeAsyncIterator()
            #expect(await seen.next() == .started(afterRelease: true))
            #expect(election.attempts == 3, "two failures, then leadership")
            await group.triggerGracefulShutdown()
            #expect(await seen.next() == .shutDown)
            try await tasks.waitForAll()
        }
    }

    @Test func aJobThatFailsEndsTheServiceAndReleasesLeadership() async throws {
        let election = ScriptedElection()
        let gate = LeaderOnlyServices(election: election, jobs: [FailingJob()], logger: Logger(label: "test"))
        await #expect(throws: FailingJob.Failure.self) { try await gate.run() }
        #expect(election.releases == 1, "the term is given up, not left to be dropped when freed")
        #expect(!gate.isLeading)
    }

    /// A term whose check fails (a database session that broke) may already be someone else's:
    /// the jobs stop, and run again only in a new term.
    @Test(.timeLimit(.minutes(1)))
    func aFailingLeadershipCheckStopsTheJobsUntilLeadershipIsAcquiredAgain() async throws {
        let election = ScriptedElection(firstTermFails: ScriptedElection.Broken())
        let released = Flag()
        released.set()
        let (events, recorder) = AsyncStream.makeStream(of: JobEvent.self)
        let gate = LeaderOnlyServices(
            election: election, jobs: [RecordingJob(events: recorder, released: released)],
            logger: Logger(label: "test"))
        let group = ServiceGroup(services: [gate], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var seen = events.makeAsyncIterator()
            #expect(await seen.next() == .started(afterRelease: true))
            #expect(await seen.next() == .cancelled, "the check failed: the jobs stop")
            #expect(await seen.next() == .started(afterRelease: true), "a new term runs them again")
            #expect(election.acquisitions == 2)
            #expect(election.releases == 1)
            await group.triggerGracefulShutdown()
            #expect(await seen.next() == .shutDown)
            try await tasks.waitForAll()
        }
        #expect(election.releases == 2)
    }
}

/// Counts the times the lock was refused to the elector while it waited.
final class CountingElection: LeaderElection {
    let inner: FileLockElection
    private let counter = Locked(0)

    init(_ inner: FileLockElection) { self.inner = inner }

    var name: String { inner.name }
    var refusals: Int { counter.withLock { $0 } }

    func acquire() async throws -> any Leadership {
        try await inner.acquire(afterEachRefusal: { self.counter.withLock { $0 += 1 } })
    }
}

/// Leads at once every time and counts its terms and their releases; the first term's check may fail.
final class ScriptedElection: LeaderElection {
    struct Broken: Error {}

    private let firstTermFails: (any Error)?
    private let counts = Locked((acquisitions: 0, releases: 0))

    init(firstTermFails: (any Error)? = nil) { self.firstTermFails = firstTermFails }

    var name: String { "scripted" }
    var acquisitions: Int { counts.withLock { $0.acquisitions } }
    var releases: Int { counts.withLock { $0.releases } }

    func acquire() async throws -> any Leadership {
        let number = counts.withLock { state -> Int in
            state.acquisitions += 1
            return state.acquisitions
        }
        return Term(failure: number == 1 ? firstTermFails : nil, election: self)
    }

    struct Term: Leadership {
        let failure: (any Error)?
        let election: ScriptedElection

        func lost() async throws {
            if let failure { throw failure }
            while true { try await Task.sleep(for: .seconds(60)) }
        }

        func release() async { election.counts.withLock { $0.releases += 1 } }
    }
}

/// An election that fails its first attempts (a lock file out of reach for a while), then holds.
final class FailingFirstElection: LeaderElection {
    struct Unreachable: Error {}

    let inner: FileLockElection
    private let counter: Locked<(failures: Int, attempts: Int)>

    init(failures: Int, then inner: FileLockElection) {
        self.inner = inner
        counter = Locked((failures, 0))
    }

    var name: String { inner.name }
    var attempts: Int { counter.withLock { $0.attempts } }

    func acquire() async throws -> any Leadership {
        let fails = counter.withLock { state -> Bool in
            state.attempts += 1
            guard state.failures > 0 else { return false }
            state.failures -= 1
            return true
        }
        if fails { throw Unreachable() }
        return try await inner.acquire()
    }
}

enum JobEvent: Equatable, Sendable {
    case started(afterRelease: Bool)
    case cancelled
    case shutDown
}

/// Reports when it starts and how it ends: by cancellation (leadership lost) or by shutdown.
struct RecordingJob: Service {
    let events: AsyncStream<JobEvent>.Continuation
    let released: Flag

    func run() async throws {
        events.yield(.started(afterRelease: released.isSet))
        do {
            try await gracefulShutdown()
            events.yield(.shutDown)
        } catch {
            events.yield(.cancelled)
        }
    }
}

struct FailingJob: Service {
    struct Failure: Error {}

    func run() async throws { throw Failure() }
}
