import AttuneCore
import AttuneEngine
import Foundation
import Testing

/// Two electors on one lock file stand for two processes: the lock belongs to an open file, so they
/// exclude each other within one process as they would across processes.
struct FileLockElectionTests {
    @Test func exactlyOneOfTwoElectorsLeadsAndReleasingHandsOver() async throws {
        let directory = try TemporaryDirectory()
        let first = try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10))
        let second = try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10))
        #expect(first.path == directory.url.appendingPathComponent("worker.lock").path)
        let term = try #require(try first.tryAcquire())
        #expect(try second.tryAcquire() == nil, "the lock is held")
        #expect(try first.tryAcquire() == nil, "not even the same elector leads twice")
        let recorded = try String(contentsOfFile: first.path, encoding: .utf8)
        #expect(recorded == "\(ProcessInfo.processInfo.processIdentifier)\n", "the leader's process id is in the file")
        await term.release()
        let next = try #require(try second.tryAcquire(), "released, the lock is free at once")
        #expect(try first.tryAcquire() == nil)
        await next.release()
    }

    @Test(.timeLimit(.minutes(1)))
    func aWaitingElectorTakesOverWhenTheLeaderReleases() async throws {
        let directory = try TemporaryDirectory()
        let first = try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10))
        let second = try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10))
        let term = try #require(try first.tryAcquire())
        let refusals = Locked(0)
        let acquired = Flag()
        let waiting = Task {
            let next = try await second.acquire(afterEachRefusal: { refusals.withLock { $0 += 1 } })
            acquired.set()
            await next.release()
        }
        // The waiter has tried and been refused twice (or, were the lock to exclude nothing, has led).
        while refusals.withLock({ $0 }) < 2 && !acquired.isSet { try await Task.sleep(for: .milliseconds(5)) }
        #expect(!acquired.isSet, "the lock excludes the waiter while the first leads")
        await term.release()
        try await waiting.value
        #expect(acquired.isSet, "released, the waiter leads")
    }

    @Test func anElectorMadeWhileAnotherLeadsIsFineAndLeavesTheLockHeld() async throws {
        let directory = try TemporaryDirectory()
        let first = try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10))
        let term = try #require(try first.tryAcquire())
        // Made now, the second tries the lock once at start-up (refused: someone leads, fine).
        let second = try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10))
        #expect(try second.tryAcquire() == nil, "the first still leads")
        await term.release()
        // Made while nobody leads, its start-up attempt lets go at once.
        let third = try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10))
        let next = try #require(try second.tryAcquire())
        #expect(try third.tryAcquire() == nil)
        await next.release()
    }

    @Test func aReplacedLockFileEndsTheTermAndTheNewFileCanBeLed() async throws {
        let directory = try TemporaryDirectory()
        let first = try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10))
        let second = try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10))
        let term = try #require(try first.tryAcquire())
        try FileManager.default.removeItem(atPath: first.path)
        // The next elector creates and locks a new file: the old term is worth nothing now.
        let next = try #require(try second.tryAcquire())
        try await term.lost()
        await term.release()
        #expect(try first.tryAcquire() == nil, "the new file's lock holds")
        await next.release()
    }

    @Test func aLockFileThatCannotBeOpenedIsAClearErrorAtOnce() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.url.appendingPathComponent("no/such/folder").path
        let error = try #require(throws: LeaderElectionError.self) { try FileLockElection(dataDirectory: missing) }
        #expect(error.code == .lockFileUnusable)
        #expect(error.message.contains("worker.lock") && error.message.contains("No such file"))
        // A folder where the lock file should be cannot be opened for writing, even by root.
        try FileManager.default.createDirectory(
            at: directory.url.appendingPathComponent("worker.lock"), withIntermediateDirectories: false)
        let folder = try #require(throws: LeaderElectionError.self) {
            try FileLockElection(dataDirectory: directory.url.path)
        }
        #expect(folder.code == .lockFileUnusable && folder.message.contains("Is a directory"))
    }
}
