import AttuneCore
import AttuneEngine
import AttuneML
import AttuneTestSupport
import Foundation
import Testing

/// Erasures that rewrite the same snapshot at once (the server and the command line, or two
/// requests) take turns: each one's redaction survives the other's rename.
struct ConcurrentRedactionTests {
    @Test func concurrentRedactionsOfOneSnapshotAllTakeEffect() async throws {
        let (files, saved, directory) = try await ModelIndexFileTests.trained()
        _ = directory
        let erased = Array(saved.users.keys.prefix(6))
        try #require(erased.count == 6)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for user in erased {
                group.addTask {
                    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                        Thread.detachNewThread {
                            do {
                                _ = try files.redact(erased: [UserDigest.of(user)], in: .default)
                                continuation.resume()
                            } catch {
                                continuation.resume(throwing: error)
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let stored = try files.load(version: saved.version, in: .default)
        for user in erased {
            #expect(stored.users.index(of: user) == nil, "\(user) is back in the snapshot")
        }
        #expect(stored.users.count == saved.users.count, "placeholders keep the other users' positions")
    }
}
