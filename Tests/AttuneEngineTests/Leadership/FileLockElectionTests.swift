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

    @Test func aWaitingElectorTakesOverWhenTheLeaderReleases() async throws {
        let directory = try TemporaryDirectory()
        let first = try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10))
        let second = try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10))
        let term = try #require(try first.tryAcquire())
        let released = Flag()
        let waiting = Task {
            let next = try await second.acquire()
            // Leadership can only come after the release: the lock excludes it before.
            let afterRelease = released.isSet
            await next.release()
            return afterRelease
        }
        released.set()
        await term.release()
        #expect(try await waiting.value)
    }

    @Test func waitingForLeadershipEndsOnCancellation() async throws {
        let directory = try TemporaryDirectory()
        let first = try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10))
        let second = try FileLockElection(dataDirectory: directory.url.path, retryInterval: .milliseconds(10))
        let term = try #require(try first.tryAcquire())
        let waiting = Task { try await second.acquire() }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        await term.release()
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
