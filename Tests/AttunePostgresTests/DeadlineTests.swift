import AttuneCore
@testable import AttunePostgres
import AttuneTestSupport
import Testing

/// ``Deadline/run(_:discardingLate:sleep:_:)`` without a server: the answer is the body's
/// whenever the body beats the deadline, and a value arriving after the deadline is handed to
/// `discardingLate`.
struct DeadlineTests {
    /// A timer whose wait ends by cancellation (the body answered) must not answer "timed out".
    /// Here the wait always ends that way, at once, before the body answers: a version whose
    /// timer went on after a cancelled sleep answered "timed out" every time. (Cancelling the
    /// timer before answering then let it race the real answer: under load, operations that had
    /// succeeded failed at once with "no connection or answer within 30 s".)
    @Test func aTimerWhoseWaitIsCancelledNeverAnswers() async throws {
        let value = try await Deadline.run(.seconds(60), sleep: { _ in throw CancellationError() }) {
            try await Task.sleep(for: .milliseconds(20))
            return 5
        }
        #expect(value == 5)
    }

    @Test func bodiesThatAnswerInTimeAreNeverReportedAsTimedOut() async throws {
        let timeouts = Locked(0)
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<8 {
                group.addTask {
                    for round in 0..<250 {
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
        let (discarded, discard) = AsyncStream<Int>.makeStream()
        let gate = Gate()
        await #expect(throws: PostgresFailure.self) {
            try await Deadline.run(.milliseconds(50), discardingLate: { value in discard.yield(value) }) {
                // Deaf to cancellation, as a connect in flight is: it finishes after the answer.
                await gate.wait()
                return 7
            }
        }
        await gate.open()
        var late: [Int] = []
        for await value in discarded {
            late.append(value)
            break
        }
        #expect(late == [7])
    }
}
