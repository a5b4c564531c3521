import AttuneCore
import AttunePostgres
import AttuneTestSupport
import Logging
import ServiceLifecycle
import Testing

@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresJobWorkerTests {
    struct Boom: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    @Test(.timeLimit(.minutes(5)))
    func aWorkerCompletesWhatSucceedsAndFailsWhatThrows() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            let queue = PostgresJobQueue(store: store, options: .init(backoff: .seconds(10)))
            let clock = FixedClock(Fixtures.now)
            let seen = Locked<[JSONValue]>([])
            let worker = PostgresJobWorker(
                queue: queue,
                handlers: [
                    "ok": { job in seen.withLock { $0.append(job.payload) } },
                    "boom": { _ in throw Boom() },
                ],
                name: "test", clock: clock, logger: PostgresTestServer.logger)
            #expect(try await !worker.runOne(), "nothing to do")
            let ok = try await queue.enqueue(JobRequest(kind: "ok", workspace: .default, payload: .number(1)), at: Fixtures.now)
            let boom = try await queue.enqueue(JobRequest(kind: "boom", workspace: .default), at: Fixtures.now)
            let ignored = try await queue.enqueue(JobRequest(kind: "other", workspace: .default), at: Fixtures.now)
            #expect(try await worker.runOne())
            #expect(try await worker.runOne())
            #expect(try await !worker.runOne(), "the other kind is not this worker's; the failed one backs off")
            #expect(seen.withLock { $0 } == [.number(1)])
            #expect(try await queue.record(ok.id)?.state == .done)
            let failed = try #require(try await queue.record(boom.id))
            #expect(failed.state == .pending && failed.attempts == 1 && failed.lastError == "boom")
            #expect(failed.runAfter == Fixtures.now.adding(milliseconds: 10_000))
            #expect(try await queue.record(ignored.id)?.state == .pending)
        }
    }

    /// A worker that stalled past its lease finds, at its next renewal, that another worker holds
    /// the job: its handler is cancelled and its result dropped.
    @Test(.timeLimit(.minutes(5)))
    func aLostLeaseCancelsTheHandler() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            let queue = PostgresJobQueue(store: store, options: .init(lease: .milliseconds(300)))
            let (events, recorder) = AsyncStream.makeStream(of: String.self)
            let worker = PostgresJobWorker(
                queue: queue,
                handlers: [
                    "slow": { _ in
                        recorder.yield("started")
                        do {
                            while true { try await Task.sleep(for: .seconds(60)) }
                        } catch {
                            recorder.yield("cancelled")
                            throw error
                        }
                    }
                ],
                name: "stalled", clock: FixedClock(Fixtures.now), logger: PostgresTestServer.logger)
            let job = try await queue.enqueue(JobRequest(kind: "slow", workspace: .default), at: Fixtures.now)
            let running = Task { try await worker.runOne() }
            var seen = events.makeAsyncIterator()
            #expect(await seen.next() == "started")
            // Another worker, an hour later by its clock: the lease has long run out.
            let other = try #require(
                try await queue.claim(kinds: ["slow"], worker: "other", at: Fixtures.now.adding(milliseconds: 3_600_000)))
            #expect(other.id == job.id && other.attempt == 2)
            #expect(await seen.next() == "cancelled")
            #expect(try await running.value)
            let record = try #require(try await queue.record(job.id))
            #expect(record.state == .running && record.attempts == 2, "the other claim stands")
            #expect(try await queue.complete(other, at: Fixtures.now.adding(milliseconds: 3_600_001)))
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func workersRunEveryJobOnceAndStopOnGracefulShutdown() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            let queue = PostgresJobQueue(store: store)
            let (events, recorder) = AsyncStream.makeStream(of: Double.self)
            let workers = (0..<3).map { number in
                PostgresJobWorker(
                    queue: queue,
                    handlers: ["count": { job in
                        if case .number(let value) = job.payload { recorder.yield(value) }
                    }],
                    name: "w\(number)", clock: FixedClock(Fixtures.now), idleInterval: .milliseconds(20),
                    logger: PostgresTestServer.logger)
            }
            let group = ServiceGroup(services: workers, gracefulShutdownSignals: [], logger: PostgresTestServer.logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                for value in 0..<20 {
                    try await queue.enqueue(
                        JobRequest(kind: "count", workspace: .default, payload: .number(Double(value))), at: Fixtures.now)
                }
                var ran: [Double] = []
                var iterator = events.makeAsyncIterator()
                while ran.count < 20, let value = await iterator.next() { ran.append(value) }
                #expect(ran.sorted() == (0..<20).map(Double.init), "each once")
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}
