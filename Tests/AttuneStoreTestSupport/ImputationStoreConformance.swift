import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// What every backend's imputed attributes must do. Each check takes a fresh, empty store.
///
/// A run only stores values for users with a profile and leaves out users erased during it;
/// profiles and erasures belong to other protocols, so each backend says how to make them
/// (``People``).
package enum ImputationStoreConformance {
    package typealias Store = ImputationStore & WorkspaceStore

    /// How a backend's tests give users a profile and erase a person.
    package struct People: Sendable {
        /// Gives each user a profile in the workspace (as a first event does).
        package var addProfiles: @Sendable ([UserID], WorkspaceID) async throws -> Void
        /// Erases the user (their profile goes) and records `digest` as erased at the time.
        package var erase: @Sendable (UserID, [UInt8], WorkspaceID, Timestamp) async throws -> Void

        package init(
            addProfiles: @escaping @Sendable ([UserID], WorkspaceID) async throws -> Void,
            erase: @escaping @Sendable (UserID, [UInt8], WorkspaceID, Timestamp) async throws -> Void
        ) {
            self.addProfiles = addProfiles
            self.erase = erase
        }

        /// `addProfiles` as in production: one first event per user, appended to `store`.
        package static func profilesFromEvents(_ store: some EventStore) -> @Sendable ([UserID], WorkspaceID) async throws -> Void {
            let counter = Locked<UInt64>(1_000_000)
            return { users, workspace in
                let first = counter.withLock { n in
                    defer { n += UInt64(users.count) }
                    return n
                }
                let events = users.enumerated().map { Fixtures.event(first + UInt64($0.offset), user: $0.element.rawValue) }
                _ = try await store.append([EventBatch(workspace: workspace, events: events)])
            }
        }
    }

    package static let other = WorkspaceID(unchecked: "other")
    static let u1 = UserID(unchecked: "u1")
    static let u2 = UserID(unchecked: "u2")

    package static let checks: [(name: String, run: @Sendable (any Store, People) async throws -> Void)] = [
        (
            "aRunReplacesOnlyItsAttributeInItsWorkspace",
            { try await aRunReplacesOnlyItsAttributeInItsWorkspace($0, $1) }
        ),
        ("anEmptyRunClearsTheAttribute", { try await anEmptyRunClearsTheAttribute($0, $1) }),
        (
            "aUserErasedWhileTheRunComputedGetsNoEstimate",
            { try await aUserErasedWhileTheRunComputedGetsNoEstimate($0, $1) }
        ),
        (
            "aUserErasedDuringTheRunAndRecreatedGetsNoEstimateFromThatRun",
            {
                try await aUserErasedDuringTheRunAndRecreatedGetsNoEstimateFromThatRun($0, $1)
            }
        ),
        ("badRunsAreRefusedAndChangeNothing", { try await badRunsAreRefusedAndChangeNothing($0, $1) }),
        ("oddNamesAndValuesRoundTripInNameOrder", { try await oddNamesAndValuesRoundTripInNameOrder($0, $1) }),
        ("aLargeRunIsStoredWhole", { try await aLargeRunIsStoredWhole($0, $1) }),
        (
            "concurrentRunsOfOneAttributeLeaveOneRunWhole",
            { try await concurrentRunsOfOneAttributeLeaveOneRunWhole($0, $1) }
        ),
    ]

    package static var names: [String] { checks.map(\.name) }

    package static func run(_ name: String, on store: any Store, people: People) async throws {
        let check = try #require(checks.first { $0.name == name }, "no conformance check named \(name)")
        try await check.run(store, people)
    }

    /// Two workspaces where u1 and u2 have profiles.
    static func prepare(_ store: some Store, _ people: People) async throws {
        for workspace in [WorkspaceID.default, other] {
            try await store.ensureWorkspace(workspace, at: Fixtures.now)
            try await people.addProfiles([u1, u2], workspace)
        }
    }

    static func aRunReplacesOnlyItsAttributeInItsWorkspace(_ store: some Store, _ people: People) async throws {
        try await prepare(store, people)
        #expect(
            try await store.replaceImputations(
                of: "age", with: [(u1, "30", 0.5), (u2, "40", 0.25)], in: .default, at: Fixtures.now) == 2)
        try await store.replaceImputations(of: "gender", with: [(u1, #""F""#, 0.75)], in: .default, at: Fixtures.now)
        try await store.replaceImputations(of: "age", with: [(u1, "99", 1)], in: other, at: Fixtures.now)
        try await store.replaceImputations(of: "age", with: [(u2, "41", 0.3)], in: .default, at: Fixtures.now)
        #expect(
            try await store.imputations(of: u1, in: .default) == [
                StoredImputation(attribute: "gender", value: #""F""#, confidence: 0.75, imputedAt: Fixtures.now)
            ])
        #expect(try await store.imputations(of: u2, in: .default).map(\.value) == ["41"])
        #expect(try await store.imputations(of: u1, in: other).map(\.value) == ["99"])
        #expect(try await store.imputations(of: u1, in: WorkspaceID(unchecked: "nowhere")).isEmpty)
        #expect(try await store.imputations(of: UserID(unchecked: "nobody"), in: .default).isEmpty)
    }

    static func anEmptyRunClearsTheAttribute(_ store: some Store, _ people: People) async throws {
        try await prepare(store, people)
        try await store.replaceImputations(of: "age", with: [(u1, "30", 0.5)], in: .default, at: Fixtures.now)
        #expect(try await store.replaceImputations(of: "age", with: [], in: .default, at: Fixtures.now) == 0)
        #expect(try await store.imputations(of: u1, in: .default).isEmpty)
    }

    /// The run computes its estimates, the user is erased, then the run writes: the erased user
    /// must get no row (it would be the only thing left of them, under their id).
    static func aUserErasedWhileTheRunComputedGetsNoEstimate(_ store: some Store, _ people: People) async throws {
        try await prepare(store, people)
        let computed = [(user: u1, value: "30", confidence: 0.5), (user: u2, value: "40", confidence: 0.25)]
        try await people.erase(u2, [UInt8](repeating: 1, count: 32), .default, Fixtures.now)

        #expect(try await store.replaceImputations(of: "age", with: computed, in: .default, at: Fixtures.now) == 1)
        #expect(try await store.imputations(of: u1, in: .default).map(\.value) == ["30"])
        #expect(try await store.imputations(of: u2, in: .default).isEmpty)
        // Nor a user the store never had a profile for.
        #expect(
            try await store.replaceImputations(
                of: "age", with: [(UserID(unchecked: "ghost"), "50", 1)], in: .default, at: Fixtures.now) == 0)
        #expect(try await store.imputations(of: UserID(unchecked: "ghost"), in: .default).isEmpty)
    }

    /// The run starts, u2 is erased, a new event makes u2 a profile again, then the run writes: the
    /// estimate came from the erased person's behaviour and must not be stored; one from a run
    /// that started after the erasure may.
    static func aUserErasedDuringTheRunAndRecreatedGetsNoEstimateFromThatRun(_ store: some Store, _ people: People)
        async throws
    {
        try await prepare(store, people)
        let u2Digest = [UInt8](repeating: 7, count: 32)
        let digest: @Sendable (UserID) -> [UInt8] = { $0 == u2 ? u2Digest : [UInt8](repeating: 0, count: 32) }
        let runStart = Fixtures.now
        let erasedAt = Fixtures.now.adding(milliseconds: 5_000)
        try await people.erase(u2, u2Digest, .default, erasedAt)
        try await people.addProfiles([u2], .default)
        let computed = [(user: u1, value: "30", confidence: 0.5), (user: u2, value: "40", confidence: 0.25)]

        #expect(
            try await store.replaceImputations(
                of: "age", with: computed, in: .default, at: erasedAt, erasedSince: (time: runStart, digest: digest))
                == 1)
        #expect(try await store.imputations(of: u2, in: .default).isEmpty)
        #expect(try await store.imputations(of: u1, in: .default).map(\.value) == ["30"])

        // Erased at the very millisecond the run started counts as during the run.
        #expect(
            try await store.replaceImputations(
                of: "age", with: computed, in: .default, at: erasedAt, erasedSince: (time: erasedAt, digest: digest))
                == 1)
        // A later run computed from the new events only.
        let later = erasedAt.adding(milliseconds: 1)
        #expect(
            try await store.replaceImputations(
                of: "age", with: computed, in: .default, at: later, erasedSince: (time: later, digest: digest)) == 2)
        #expect(try await store.imputations(of: u2, in: .default).map(\.value) == ["40"])
        // The erasure of one workspace does not reach another.
        #expect(
            try await store.replaceImputations(
                of: "age", with: computed, in: other, at: erasedAt, erasedSince: (time: runStart, digest: digest)) == 2)
    }

    static func badRunsAreRefusedAndChangeNothing(_ store: some Store, _ people: People) async throws {
        try await prepare(store, people)
        try await store.replaceImputations(of: "age", with: [(u1, "30", 0.5)], in: .default, at: Fixtures.now)
        let before = try await store.imputations(of: u1, in: .default)
        let bad: [[(user: UserID, value: String, confidence: Double)]] = [
            [(u2, "41", 0.5), (u1, "31", .nan)],  // a confidence that is not a number
            [(u1, "31", 0.5), (u2, "41", 0.5), (u1, "32", 0.6)],  // a user twice
        ]
        for values in bad {
            await #expect {
                try await store.replaceImputations(of: "age", with: values, in: .default, at: Fixtures.now)
            } throws: { error in (error as? AttuneError)?.code == .invalidValue }
        }
        await #expect(throws: AttuneError.notFound("workspace")) {
            try await store.replaceImputations(
                of: "age", with: [(u1, "31", 0.5)], in: WorkspaceID(unchecked: "ghost"), at: Fixtures.now)
        }
        #expect(try await store.imputations(of: u1, in: .default) == before)
        #expect(try await store.imputations(of: u2, in: .default).isEmpty)
    }

    static func oddNamesAndValuesRoundTripInNameOrder(_ store: some Store, _ people: People) async throws {
        try await prepare(store, people)
        let names = ["Zeta", "alpha", "é", "日本", "a b", "A", "_", "10", "9"]
        for (n, name) in names.enumerated() {
            try await store.replaceImputations(
                of: name, with: [(u1, #"{"v":"crème \"brûlée\" \\ 🍮","n":\#(n)}"#, Double(n) / 10)], in: .default,
                at: Fixtures.now.adding(milliseconds: Int64(n)))
        }
        // Confidences outside [0, 1] are the caller's business; they come back as given.
        try await store.replaceImputations(of: "extreme", with: [(u2, "1", .infinity)], in: .default, at: Fixtures.now)
        let stored = try await store.imputations(of: u1, in: .default)
        #expect(stored.map(\.attribute) == byteOrdered(names))
        for imputation in stored {
            let n = try #require(names.firstIndex(of: imputation.attribute))
            #expect(imputation.value == #"{"v":"crème \"brûlée\" \\ 🍮","n":\#(n)}"#)
            #expect(imputation.confidence == Double(n) / 10)
            #expect(imputation.imputedAt == Fixtures.now.adding(milliseconds: Int64(n)))
        }
        #expect(try await store.imputations(of: u2, in: .default).map(\.confidence) == [.infinity])
    }

    static func aLargeRunIsStoredWhole(_ store: some Store, _ people: People) async throws {
        try await prepare(store, people)
        let users = (0..<3_000).map { UserID(unchecked: "user-\($0)") }
        try await people.addProfiles(users, .default)
        // Every third row names a user without a profile here: left out.
        var values: [(user: UserID, value: String, confidence: Double)] = []
        var next = 0
        for n in 0..<4_500 {
            if n % 3 == 2 {
                values.append((UserID(unchecked: "stranger-\(n)"), "\(n)", 0.5))
            } else {
                values.append((users[next], "\(n)", 0.5))
                next += 1
            }
        }
        #expect(try await store.replaceImputations(of: "age", with: values, in: .default, at: Fixtures.now) == 3_000)
        #expect(try await store.imputations(of: users[2_999], in: .default).map(\.value) == ["4498"])
        #expect(try await store.replaceImputations(of: "age", with: values, in: .default, at: Fixtures.now) == 3_000)
    }

    /// Two runs of one attribute at once: the result is one run's values whole, never a union.
    static func concurrentRunsOfOneAttributeLeaveOneRunWhole(_ store: some Store, _ people: People) async throws {
        try await prepare(store, people)
        try await concurrentRuns(writers: Array(repeating: store, count: 2), people: people)
    }

    /// The shared body of the concurrent-writer checks: writer `w` replaces "age" with values
    /// for its own 50 users (`w<w>-<n>`), ten times; after each round the attribute holds the
    /// values of exactly one writer.
    package static func concurrentRuns(writers: [any Store], people: People) async throws {
        let users = writers.indices.map { w in (0..<50).map { UserID(unchecked: "w\(w)-\($0)") } }
        try await people.addProfiles(users.flatMap { $0 }, .default)
        for _ in 0..<10 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (w, writer) in writers.enumerated() {
                    group.addTask {
                        let values = users[w].map { (user: $0, value: "\(w)", confidence: 0.5) }
                        let stored = try await writer.replaceImputations(
                            of: "age", with: values, in: .default, at: Fixtures.now)
                        #expect(stored == 50)
                    }
                }
                try await group.waitForAll()
            }
            var holders: [Int] = []
            for (w, group) in users.enumerated() {
                var stored = 0
                for user in group { stored += try await writers[0].imputations(of: user, in: .default).count }
                #expect(stored == 0 || stored == 50)
                if stored == 50 { holders.append(w) }
            }
            #expect(holders.count == 1)
        }
    }
}
