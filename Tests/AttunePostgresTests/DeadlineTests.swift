import AttuneCore
@testable import AttunePostgres
import Testing

/// ``Deadline/run(_:discardingLate:_:)`` without a server: the answer is the body's whenever the
/// body beats the deadline, and a value arriving after the deadline is handed to `discardingLate`.
struct DeadlineTests {
    /// The work's answer cancels the timer; a cancelled timer must not answer "timed out" too. A
    /// version that cancelled the timer before answering lost this race under load: operations
    /// that had succeeded failed with "no connection or answer within 60 s" at once.
    @Test func aBodyThatAnswersInTimeIsNeverReportedAsTimedOut() async throws {
        let timeouts = Locked(0)
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<8 {
                group.addTask {
                    for round in 0..<2_000 {
                        do {
                            let value = try await Deadline.run(.seconds(60)) { lane * 10_000 + round }
                            #expect(value == lane * 10_000 + round)
                        } catch {
                            timeouts.withLock { $0 += 1 }
                        }
                    }
                }
            }
        }
        #expect(timeouts.withLock { $0 } == 0)
    }

    @Test func aBodyPastTheDeadlineIsAnsweredTimedOutAndItsLateValueDiscarded() async throws {
        let discarded = Locked<[Int]>([])
        let (released, release) = AsyncStream<Void>.makeStream()
        await #expect(throws: PostgresFailure.self) {
            try await Deadline.run(.milliseconds(50), discardingLate: { value in discarded.withLock { $0.append(value) } }) {
                // Ignores cancellation, as a connect in flight does.
                for await _ in released { break }
                return 7
            }
        }
        release.yield()
        release.finish()
        for _ in 0..<500 where discarded.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(discarded.withLock { $0 } == [7])
    }
}
