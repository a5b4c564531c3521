import AttuneCore
import AttuneEngine
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// Leader-only writes are fenced with the token of the term they belong to: the wrapper hands
/// each term's token to its jobs and errands, and a later term's work carries the later token.
struct LeaderTermTokenTests {
    @Test(.timeLimit(.minutes(1)))
    func jobsAndErrandsCarryTheTokenOfTheirTerm() async throws {
        let election = NumberedElection()
        let (tokens, recorder) = AsyncStream.makeStream(of: FencingToken?.self)
        let gate = LeaderOnlyServices(
            election: election, jobs: [TokenReportingJob(tokens: recorder)], logger: Logger(label: "test"))
        let group = ServiceGroup(services: [gate], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var seen = tokens.makeAsyncIterator()
            #expect(await seen.next() == FencingToken(term: 1))
            #expect(try await gate.whileLeading { LeaderTerm.fencingToken } == FencingToken(term: 1))
            election.lose(term: 1)
            #expect(await seen.next() == FencingToken(term: 2), "the next term's jobs carry its token")
            #expect(try await gate.whileLeading { LeaderTerm.fencingToken } == FencingToken(term: 2))
            #expect(LeaderTerm.fencingToken == nil, "no token outside the work of a term")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func aFileLockTermHasNoToken() async throws {
        let directory = try TemporaryDirectory()
        let term = try #require(try FileLockElection(dataDirectory: directory.url.path).tryAcquire())
        #expect(term.fencingToken == nil)
        await term.release()
    }
}

/// Leads at once; term n carries token n and lasts until the test ends it.
private final class NumberedElection: LeaderElection {
    private let state = Locked((next: Int64(1), lost: Set<Int64>()))

    var name: String { "numbered" }

    func lose(term: Int64) { state.withLock { _ = $0.lost.insert(term) } }

    func isLost(_ term: Int64) -> Bool { state.withLock { $0.lost.contains(term) } }

    func acquire() async throws -> any Leadership {
        let number = state.withLock { state -> Int64 in
            defer { state.next += 1 }
            return state.next
        }
        return Term(number: number, election: self)
    }

    struct Term: Leadership {
        let number: Int64
        let election: NumberedElection

        var fencingToken: FencingToken? { FencingToken(term: number) }

        func lost() async throws {
            while !election.isLost(number) { try await Task.sleep(for: .milliseconds(5)) }
        }

        func release() async {}
    }
}

/// Reports the token it runs with, then runs until its term ends.
private struct TokenReportingJob: Service {
    let tokens: AsyncStream<FencingToken?>.Continuation

    func run() async throws {
        tokens.yield(LeaderTerm.fencingToken)
        try? await gracefulShutdown()
    }
}
