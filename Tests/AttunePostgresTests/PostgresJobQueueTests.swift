import AttuneCore
import AttunePostgres
import AttuneTestSupport
import Testing

@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresJobQueueTests {
    static let t0 = Fixtures.now

    static func at(seconds: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: t0.millisecondsSinceEpoch + seconds * 1_000)
    }

    /// Many claimers on two stores (two processes) at once: every job is claimed exactly once.
    @Test(.timeLimit(.minutes(5)))
    func concurrentClaimersNeverGetTheSameJob() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            let logger = PostgresTestServer.logger
            try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: logger) { first in
                try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: logger) { second in
                    try await first.ensureWorkspace(.default, at: Self.t0)
                    let queue = PostgresJobQueue(store: first)
                    var ids: Set<Int64> = []
                    for number in 0..<300 {
                        let job = try await queue.enqueue(
                            JobRequest(kind: number % 3 == 0 ? "train" : "sweep", workspace: .default,
                                       payload: .object([("n", .number(Double(number)))])),
                            at: Self.t0)
                        ids.insert(job.id)
                    }
                    #expect(ids.count == 300)
                    let queues = [queue, PostgresJobQueue(store: second)]
                    let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                        for claimer in 0..<8 {
                            group.addTask {
                                let queue = queues[claimer % 2]
                                var mine: [Int64] = []
                                while let job = try await queue.claim(
                                    kinds: ["train", "sweep"], worker: "w\(claimer)", at: Self.t0)
                                {
                                    mine.append(job.id)
                                    #expect(try await queue.complete(job, at: Self.t0))
                                }
                                return mine
                            }
                        }
                        var all: [Int64] = []
                        for try await mine in group { all += mine }
                        return all
                    }
                    #expect(claimed.count == 300, "each job claimed once")
                    #expect(Set(claimed) == ids)
                    #expect(try await queue.claim(kinds: ["train", "sweep"], worker: "late", at: Self.at(seconds: 10_000)) == nil)
                }
            }
        }
    }

    @Test func onlyTheKindsAskedForAreClaimedOldestFirstAndNotBeforeTheirTime() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Self.t0)
            let queue = PostgresJobQueue(store: store)
            let later = try await queue.enqueue(
                JobRequest(kind: "train", workspace: .default, runAfter: Self.at(seconds: 60)), at: Self.t0)
            let first = try await queue.enqueue(JobRequest(kind: "train", workspace: .default), at: Self.t0)
            let other = try await queue.enqueue(JobRequest(kind: "import", workspace: .default), at: Self.t0)
            let payload = JSONValue.object([("reason", .string("clicks fell — «retrain»")), ("limit", .number(5))])
            let second = try await queue.enqueue(
                JobRequest(kind: "train", workspace: .default, payload: payload), at: Self.at(seconds: 1))
            let a = try #require(try await queue.claim(kinds: ["train"], worker: "w", at: Self.at(seconds: 2)))
            #expect(a.id == first.id && a.attempt == 1 && a.workspace == .default && a.kind == "train")
            let b = try #require(try await queue.claim(kinds: ["train"], worker: "w", at: Self.at(seconds: 2)))
            #expect(b.id == second.id)
            #expect(b.payload == payload, "the payload comes back as it was sent")
            #expect(try await queue.claim(kinds: ["train"], worker: "w", at: Self.at(seconds: 2)) == nil, "not before its time")
            let c = try #require(try await queue.claim(kinds: ["train"], worker: "w", at: Self.at(seconds: 60)))
            #expect(c.id == later.id)
            let d = try #require(try await queue.claim(kinds: ["import", "train"], worker: "w", at: Self.at(seconds: 60)))
            #expect(d.id == other.id)
            #expect(try await queue.claim(kinds: [], worker: "w", at: Self.at(seconds: 60)) == nil)
        }
    }

    /// A worker that dies mid-job stops renewing its lease; once it has run out another claims the
    /// job, and the first claim can no longer complete or fail it.
    @Test func anExpiredLeaseIsClaimedAgainAndTheOldClaimNoLongerCounts() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Self.t0)
            let queue = PostgresJobQueue(store: store, options: .init(lease: .seconds(30)))
            let job = try await queue.enqueue(JobRequest(kind: "train", workspace: .default), at: Self.t0)
            let dead = try #require(try await queue.claim(kinds: ["train"], worker: "dies", at: Self.t0))
            #expect(dead.leaseUntil == Self.at(seconds: 30))
            #expect(try await queue.claim(kinds: ["train"], worker: "other", at: Self.at(seconds: 29)) == nil, "leased")
            let renewed = try #require(try await queue.renew(dead, at: Self.at(seconds: 20)))
            #expect(renewed.leaseUntil == Self.at(seconds: 50))
            #expect(try await queue.claim(kinds: ["train"], worker: "other", at: Self.at(seconds: 49)) == nil, "renewed")
            let again = try #require(try await queue.claim(kinds: ["train"], worker: "other", at: Self.at(seconds: 50)))
            #expect(again.id == job.id && again.attempt == 2)
            #expect(try await queue.renew(dead, at: Self.at(seconds: 51)) == nil, "the old claim is over")
            #expect(try await !queue.complete(dead, at: Self.at(seconds: 51)))
            #expect(try await queue.fail(dead, error: "late", at: Self.at(seconds: 51)) == nil)
            #expect(try await queue.complete(again, at: Self.at(seconds: 52)))
            #expect(try await !queue.complete(again, at: Self.at(seconds: 52)), "done once")
            let record = try #require(try await queue.record(job.id))
            #expect(record.state == .done && record.attempts == 2 && record.lastError == nil)
            #expect(try await queue.claim(kinds: ["train"], worker: "other", at: Self.at(seconds: 10_000)) == nil)
        }
    }

    @Test func aLeaseThatRunsOutOnTheLastAttemptMakesTheJobDead() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Self.t0)
            let queue = PostgresJobQueue(store: store, options: .init(lease: .seconds(30)))
            let job = try await queue.enqueue(JobRequest(kind: "train", workspace: .default, maxAttempts: 1), at: Self.t0)
            _ = try #require(try await queue.claim(kinds: ["train"], worker: "dies", at: Self.t0))
            #expect(try await queue.claim(kinds: ["train"], worker: "other", at: Self.at(seconds: 31)) == nil)
            let record = try #require(try await queue.record(job.id))
            #expect(record.state == .dead && record.attempts == 1)
            #expect(record.lastError?.contains("lease ran out") == true)
        }
    }

    @Test func askingTenTimesMakesOnePendingJob() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Self.t0)
            let other = WorkspaceID(unchecked: "other")
            try await store.ensureWorkspace(other, at: Self.t0)
            let queue = PostgresJobQueue(store: store)
            let request = JobRequest(kind: "train", workspace: .default, dedupKey: "retrain")
            let asked = try await withThrowingTaskGroup(of: EnqueuedJob.self) { group in
                for _ in 0..<10 { group.addTask { try await queue.enqueue(request, at: Self.t0) } }
                var all: [EnqueuedJob] = []
                for try await job in group { all.append(job) }
                return all
            }
            #expect(Set(asked.map(\.id)).count == 1, "one job")
            #expect(asked.filter(\.created).count == 1, "made once, found nine times")
            let pending = asked[0].id
            #expect(try await queue.enqueue(JobRequest(kind: "train", workspace: other, dedupKey: "retrain"), at: Self.t0).created)
            #expect(try await queue.enqueue(JobRequest(kind: "sweep", workspace: .default, dedupKey: "retrain"), at: Self.t0).created)
            #expect(try await queue.enqueue(JobRequest(kind: "train", workspace: .default), at: Self.t0).created, "no key, no dedup")

            // Running, the job no longer stands for new requests: events came in since it started.
            let running = try #require(try await queue.claim(kinds: ["train"], worker: "w", at: Self.t0))
            #expect(running.id == pending)
            let next = try await queue.enqueue(request, at: Self.at(seconds: 1))
            #expect(next.created && next.id != pending)
            #expect(try await queue.enqueue(request, at: Self.at(seconds: 1)) == EnqueuedJob(id: next.id, created: false))
            // It fails while its twin waits: the twin does the work, no second pending copy.
            #expect(try await queue.fail(running, error: "out of memory", at: Self.at(seconds: 2)) == .superseded)
            #expect(try await queue.record(pending)?.state == .superseded)
        }
    }

    @Test func failuresBackOffExponentiallyUntilTheJobIsDead() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Self.t0)
            let queue = PostgresJobQueue(store: store, options: .init(maxAttempts: 3, backoff: .seconds(10)))
            let job = try await queue.enqueue(JobRequest(kind: "train", workspace: .default), at: Self.t0)
            let first = try #require(try await queue.claim(kinds: ["train"], worker: "w", at: Self.t0))
            #expect(try await queue.fail(first, error: "no events", at: Self.t0) == .retryAt(Self.at(seconds: 10)))
            #expect(try await queue.fail(first, error: "twice", at: Self.t0) == nil, "one failure per claim")
            #expect(try await queue.claim(kinds: ["train"], worker: "w", at: Self.at(seconds: 9)) == nil, "backing off")
            let second = try #require(try await queue.claim(kinds: ["train"], worker: "w", at: Self.at(seconds: 10)))
            #expect(second.attempt == 2)
            #expect(try await queue.fail(second, error: "no events", at: Self.at(seconds: 10)) == .retryAt(Self.at(seconds: 30)))
            #expect(try await queue.claim(kinds: ["train"], worker: "w", at: Self.at(seconds: 29)) == nil)
            let third = try #require(try await queue.claim(kinds: ["train"], worker: "w", at: Self.at(seconds: 30)))
            #expect(try await queue.fail(third, error: String(repeating: "x", count: 5_000), at: Self.at(seconds: 30)) == .dead)
            #expect(try await queue.claim(kinds: ["train"], worker: "w", at: Self.at(seconds: 100_000)) == nil, "dead")
            let record = try #require(try await queue.record(job.id))
            #expect(record.state == .dead && record.attempts == 3 && record.lastError?.count == 1_000)
            #expect(try await queue.purge(finishedBefore: Self.at(seconds: 30)) == 0)
            #expect(try await queue.purge(finishedBefore: Self.at(seconds: 31)) == 1)
            #expect(try await queue.record(job.id) == nil)
            #expect(queue.backoff(afterAttempt: 30) == .seconds(3_600), "capped")
        }
    }

    @Test func badRequestsAreClearErrorsAndStoreNothing() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Self.t0)
            let queue = PostgresJobQueue(store: store)
            let bad: [(JobRequest, String)] = [
                (JobRequest(kind: "", workspace: .default), "kind"),
                (JobRequest(kind: "re train", workspace: .default), "kind"),
                (JobRequest(kind: String(repeating: "k", count: 101), workspace: .default), "kind"),
                (JobRequest(kind: "train", workspace: .default, dedupKey: ""), "dedupKey"),
                (JobRequest(kind: "train", workspace: .default, dedupKey: String(repeating: "d", count: 201)), "dedupKey"),
                (JobRequest(kind: "train", workspace: .default, dedupKey: "a\0b"), "dedupKey"),
                (JobRequest(kind: "train", workspace: .default, maxAttempts: 0), "maxAttempts"),
                (JobRequest(kind: "train", workspace: .default, maxAttempts: 101), "maxAttempts"),
            ]
            for (request, field) in bad {
                let error = try await #require(throws: AttuneError.self) { try await queue.enqueue(request, at: Self.t0) }
                #expect(error.code == .invalidValue && error.field == field, "\(error)")
            }
            let huge = JobRequest(
                kind: "train", workspace: .default, payload: .string(String(repeating: "p", count: 1 << 20)))
            let tooLarge = try await #require(throws: AttuneError.self) { try await queue.enqueue(huge, at: Self.t0) }
            #expect(tooLarge.code == .payloadTooLarge)
            let unknown = try await #require(throws: AttuneError.self) {
                try await queue.enqueue(JobRequest(kind: "train", workspace: WorkspaceID(unchecked: "nope")), at: Self.t0)
            }
            #expect(unknown.code == .notFound)
            await #expect(throws: AttuneError.self) { try await queue.claim(kinds: ["bad kind"], worker: "w", at: Self.t0) }
            #expect(try await queue.claim(kinds: ["train"], worker: "w", at: Self.at(seconds: 10_000)) == nil, "nothing stored")
        }
    }
}
