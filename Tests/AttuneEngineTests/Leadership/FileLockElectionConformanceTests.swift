import AttuneCore
import AttuneEngine
import AttuneEngineTestSupport
import Foundation
import Testing

/// The election checks shared with the PostgreSQL advisory lock, on a lock file.
struct FileLockElectionConformanceTests {
    @Test(.timeLimit(.minutes(1)), arguments: LeaderElectionConformance.names)
    func conforms(_ check: String) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.url.path
        let subject = LeaderElectionSubject(
            makeElector: { try FileLockElection(dataDirectory: path, retryInterval: .milliseconds(10)) },
            tryAcquire: { election in try (election as? FileLockElection)?.tryAcquire() },
            // Someone cleaning the data directory: the next elector locks a new file.
            breakTerm: { try FileManager.default.removeItem(atPath: path + "/" + FileLockElection.fileName) },
            retryInterval: .milliseconds(10))
        try await LeaderElectionConformance.run(check, on: subject)
    }
}
