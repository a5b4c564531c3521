import AttuneCore
import AttuneEngine
import Testing

/// One lock that several electors compete for, as a conformance check sees it.
package struct LeaderElectionSubject: Sendable {
    /// A new elector on the lock each call: another process.
    package var makeElector: @Sendable () async throws -> any LeaderElection
    /// One attempt that does not wait: the term, or `nil` while another leads.
    package var tryAcquire: @Sendable (any LeaderElection) async throws -> (any Leadership)?
    /// Ends the current leader's term from outside, as its medium can (a lock file replaced, a
    /// database session terminated).
    package var breakTerm: @Sendable () async throws -> Void
    /// How often a waiting elector tries again.
    package var retryInterval: Duration

    package init(
        makeElector: @escaping @Sendable () async throws -> any LeaderElection,
        tryAcquire: @escaping @Sendable (any LeaderElection) async throws -> (any Leadership)?,
        breakTerm: @escaping @Sendable () async throws -> Void, retryInterval: Duration
    ) {
        self.makeElector = makeElector
        self.tryAcquire = tryAcquire
        self.breakTerm = breakTerm
        self.retryInterval = retryInterval
    }
}

/// What every ``LeaderElection`` must do, written once and run against each implementation (the
/// file lock in AttuneEngineTests, the PostgreSQL advisory lock in AttunePostgresTests). Each
/// check takes a fresh lock that nobody holds.
package enum LeaderElectionConformance {
    package static let checks: [(name: String, run: @Sendable (LeaderElectionSubject) async throws -> Void)] = [
        ("exactlyOneElectorLeadsAndReleasingHandsOver", { try await exactlyOneElectorLeadsAndReleasingHandsOver($0) }),
        ("aWaitingElectorTakesOverWhenTheLeaderReleases", { try await aWaitingElectorTakesOverWhenTheLeaderReleases($0) }),
        ("waitingForLeadershipEndsOnCancellation", { try await waitingForLeadershipEndsOnCancellation($0) }),
        ("aTermBrokenFromOutsideIsLostAndAWaiterTakesOver", { try await aTermBrokenFromOutsideIsLostAndAWaiterTakesOver($0) }),
        ("aHeldTermIsNotLostAndWatchingItEndsOnCancellation", { try await aHeldTermIsNotLostAndWatchingItEndsOnCancellation($0) }),
    ]

    package static var names: [String] { checks.map(\.name) }

    /// Runs the check called `name` on `subject`.
    package static func run(_ name: String, on subject: LeaderElectionSubject) async throws {
        let check = try #require(checks.first { $0.name == name }, "no conformance check named \(name)")
        try await check.run(subject)
    }

    /// Expects `elector` to be refused; a term it got anyway is released, so that a failing check
    /// leaves the lock as it found it.
    static func expectRefused(
        _ subject: LeaderElectionSubject, _ elector: any LeaderElection, _ comment: Comment,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let stolen = try await subject.tryAcquire(elector)
        #expect(stolen == nil, comment, sourceLocation: sourceLocation)
        await stolen?.release()
    }

    static func exactlyOneElectorLeadsAndReleasingHandsOver(_ subject: LeaderElectionSubject) async throws {
        let first = try await subject.makeElector()
        let second = try await subject.makeElector()
        let term = try #require(try await subject.tryAcquire(first))
        try await expectRefused(subject, second, "the lock is held")
        try await expectRefused(subject, first, "not even the same elector leads twice")
        await term.release()
        let next = try #require(try await subject.tryAcquire(second), "released, the lock is free at once")
        try await expectRefused(subject, first, "the second leads now")
        await next.release()
        await term.release()  // a second release is harmless
        let again = try #require(try await subject.tryAcquire(first), "the lock is free after both released")
        await again.release()
    }

    static func aWaitingElectorTakesOverWhenTheLeaderReleases(_ subject: LeaderElectionSubject) async throws {
        let first = try await subject.makeElector()
        let second = try await subject.makeElector()
        let term = try #require(try await subject.tryAcquire(first))
        let acquired = Locked(false)
        let waiting = Task {
            let next = try await second.acquire()
            acquired.withLock { $0 = true }
            return next
        }
        // A few tries of the waiter: not a bound on anything, only a chance for a lock that
        // excludes nothing to show it.
        try await Task.sleep(for: subject.retryInterval * 3)
        #expect(!acquired.withLock { $0 }, "the lock excludes the waiter while the first leads")
        await term.release()
        let next = try await waiting.value
        try await expectRefused(subject, first, "the waiter leads")
        await next.release()
    }

    static func waitingForLeadershipEndsOnCancellation(_ subject: LeaderElectionSubject) async throws {
        let first = try await subject.makeElector()
        let second = try await subject.makeElector()
        let term = try #require(try await subject.tryAcquire(first))
        let waiting = Task { try await second.acquire() }
        try await Task.sleep(for: subject.retryInterval * 2)
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        // The cancelled waiter left nothing behind that holds or blocks the lock.
        await term.release()
        let next = try #require(try await subject.tryAcquire(first))
        await next.release()
    }

    static func aTermBrokenFromOutsideIsLostAndAWaiterTakesOver(_ subject: LeaderElectionSubject) async throws {
        let first = try await subject.makeElector()
        let second = try await subject.makeElector()
        let term = try #require(try await subject.tryAcquire(first))
        let waiting = Task { try await second.acquire() }
        try await subject.breakTerm()
        try await term.lost()
        let next = try await waiting.value
        await term.release()  // releasing a lost term does not free the new leader's
        try await expectRefused(subject, first, "the waiter leads")
        await next.release()
    }

    static func aHeldTermIsNotLostAndWatchingItEndsOnCancellation(_ subject: LeaderElectionSubject) async throws {
        let first = try await subject.makeElector()
        let second = try await subject.makeElector()
        let term = try #require(try await subject.tryAcquire(first))
        let watching = Task { try await term.lost() }
        try await Task.sleep(for: subject.retryInterval * 5)
        try await expectRefused(subject, second, "still held")
        watching.cancel()
        await #expect(throws: CancellationError.self, "lost() returned though nothing was lost") { try await watching.value }
        try await expectRefused(subject, second, "watching ended, the term goes on")
        await term.release()
    }
}
