import AttuneCore
import AttuneStore
import AttuneTestSupport
import Foundation
import GRDB
import Testing

/// The change probe answers from the wal-index header in shared memory while nothing was
/// committed, and asks SQLite again once anything was: a commit is never missed, whichever
/// connection made it and whatever checkpoints did to the log in between.
struct DatabaseChangeProbeTests {
    static func withDatabase(_ body: (DatabasePool, String) throws -> Void) throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.sqlite").path
        let pool = try DatabasePool(path: path)
        try pool.write { db in try db.execute(sql: "CREATE TABLE t (x INTEGER)") }
        try body(pool, path)
    }

    static func insert(_ writer: any DatabaseWriter, _ value: Int) throws {
        try writer.write { db in try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [value]) }
    }

    @Test func withoutCommitsTheSameStampComesFromSharedMemory() throws {
        try Self.withDatabase { pool, path in
            let probe = DatabaseChangeProbe(path: path, writer: pool)
            let first = try #require(probe.stamp())
            let asked = probe.exactProbeCount
            for _ in 0..<100 { #expect(probe.stamp() == first) }
            #expect(probe.exactProbeCount == asked, "an unchanged wal-index asks SQLite again")
        }
    }

    @Test func everyCommitChangesTheNextStamp() throws {
        try Self.withDatabase { pool, path in
            let probe = DatabaseChangeProbe(path: path, writer: pool)
            var seen: Set<Int64> = [try #require(probe.stamp())]
            for value in 0..<50 {
                try Self.insert(pool, value)
                let stamp = try #require(probe.stamp())
                #expect(!seen.contains(stamp), "commit \(value) was missed")
                seen.insert(stamp)
                #expect(probe.stamp() == stamp)
            }
        }
    }

    /// Another connection to the file (as another process's would be) and a log restarted by a
    /// checkpoint, which rewinds the header's frame count.
    @Test func commitsAfterACheckpointOrFromAnotherConnectionAreSeen() throws {
        try Self.withDatabase { pool, path in
            let probe = DatabaseChangeProbe(path: path, writer: pool)
            let other = try DatabaseQueue(path: path)
            var last = try #require(probe.stamp())
            for round in 0..<10 {
                try Self.insert(round.isMultiple(of: 2) ? pool : other, round)
                let afterCommit = try #require(probe.stamp())
                #expect(afterCommit != last, "round \(round): the commit was missed")
                _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
                // A checkpoint commits nothing; it may or may not move the stamp.
                let afterCheckpoint = try #require(probe.stamp())
                try Self.insert(other, 1_000 + round)
                last = try #require(probe.stamp())
                #expect(last != afterCheckpoint, "round \(round): a commit into a restarted log was missed")
            }
        }
    }

    /// Readers on several threads while commits go on: no stamp taken after a commit returned
    /// equals one taken before it.
    @Test func concurrentReadersNeverSeeAStampOlderThanACommit() throws {
        try Self.withDatabase { pool, path in
            let probe = DatabaseChangeProbe(path: path, writer: pool)
            for value in 0..<40 {
                let before = try #require(probe.stamp())
                try Self.insert(pool, value)
                let stamps = Locked<[Int64?]>([])
                DispatchQueue.concurrentPerform(iterations: 4) { _ in
                    let stamp = probe.stamp()
                    stamps.withLock { $0.append(stamp) }
                }
                for stamp in stamps.withLock({ $0 }) { #expect(stamp != nil && stamp != before) }
            }
        }
    }
}
