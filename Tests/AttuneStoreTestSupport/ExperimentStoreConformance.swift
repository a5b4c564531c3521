import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// What every backend's experiment store must do, written once and run against each store
/// (SQLite in AttuneStoreTests, PostgreSQL in AttunePostgresTests). Each check takes a fresh,
/// empty store.
package enum ExperimentStoreConformance: ConformanceSuite {
    package typealias Store = ExperimentStore & EventStore & WorkspaceStore

    package static let other = WorkspaceID(unchecked: "other")

    package static let checks: [(name: String, run: @Sendable (any Store) async throws -> Void)] = [
        ("definitionsAreCreatedOnceListedAndReplaced", { try await definitionsAreCreatedOnceListedAndReplaced($0) }),
        ("aWorkspaceHoldsABoundedNumberOfExperiments", { try await aWorkspaceHoldsABoundedNumberOfExperiments($0) }),
        ("theFirstExposureOfAUnitIsKept", { try await theFirstExposureOfAUnitIsKept($0) }),
        ("unitsAreStoredByteForByte", { try await unitsAreStoredByteForByte($0) }),
        ("concurrentExposuresOfOneUnitKeepOneVariant", { try await concurrentExposuresOfOneUnitKeepOneVariant($0) }),
        ("unitOutcomesTotalEventsAfterAndBeforeExposure", { try await unitOutcomesTotalEventsAfterAndBeforeExposure($0) }),
        ("unitOutcomesTakeAnyLookBack", { try await unitOutcomesTakeAnyLookBack($0) }),
        ("actionsAreKeptInOrderPerExperiment", { try await actionsAreKeptInOrderPerExperiment($0) }),
    ]

    static func prepare(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(other, at: Fixtures.now)
    }

    package static func definition(_ key: String, name: String = "Test", status: ExperimentStatus = .running) -> ExperimentDefinition {
        ExperimentDefinition(
            key: ExperimentKey(unchecked: key), name: name,
            variants: [ExperimentVariant(key: "control", weight: 0.5), ExperimentVariant(key: "treatment", weight: 0.5, strategy: "popular")],
            status: status, metrics: [ExperimentMetric(name: "conversion", kind: .conversion, event: .purchase)])
    }

    static func exposure(_ experiment: String, _ unit: String, _ variant: Int, at offset: Int64 = 0) -> Exposure {
        Exposure(experiment: ExperimentKey(unchecked: experiment), unit: unit, variant: variant, time: Fixtures.now.adding(milliseconds: offset))
    }

    static func definitionsAreCreatedOnceListedAndReplaced(_ store: some Store) async throws {
        try await prepare(store)
        // Text that quoting or re-encoding would change.
        let b = definition("b.2", name: #"Checkout "v2" \ crème 🍮 ' OR 1=1 --"#)
        let a = definition("A-1")
        try await store.createExperiment(b, in: .default, at: Fixtures.now)
        try await store.createExperiment(a, in: .default, at: Fixtures.now)
        #expect(try await store.experiment(b.key, in: .default) == b)
        // Byte order: upper case before lower case and digits before letters.
        #expect(try await store.experiments(in: .default).map(\.key.rawValue) == ["A-1", "b.2"])

        let taken = await #expect(throws: AttuneError.self) {
            try await store.createExperiment(definition("b.2", name: "Other"), in: .default, at: Fixtures.now)
        }
        #expect(taken?.code == .conflict)
        #expect(taken?.field == "key")
        #expect(try await store.experiment(b.key, in: .default)?.name == b.name)

        // Workspaces are apart: the same key is free in another, and reads there see nothing.
        #expect(try await store.experiment(b.key, in: other) == nil)
        #expect(try await store.experiments(in: other).isEmpty)
        try await store.createExperiment(definition("b.2", name: "Elsewhere"), in: other, at: Fixtures.now)
        #expect(try await store.experiment(b.key, in: other)?.name == "Elsewhere")

        var stopped = b
        stopped.status = .stopped
        stopped.stopReason = "guardrail"
        stopped.stoppedAt = Fixtures.now.adding(milliseconds: 5)
        try await store.updateExperiment(stopped, in: .default, at: Fixtures.now.adding(milliseconds: 5))
        #expect(try await store.experiment(b.key, in: .default) == stopped)
        #expect(try await store.experiment(b.key, in: other)?.name == "Elsewhere")

        let missing = await #expect(throws: AttuneError.self) {
            try await store.updateExperiment(definition("missing"), in: .default, at: Fixtures.now)
        }
        #expect(missing?.code == .notFound)
        #expect(try await store.experiment(ExperimentKey(unchecked: "missing"), in: .default) == nil)

        let ghost = WorkspaceID(unchecked: "ghost")
        let unknown = await #expect(throws: AttuneError.self) { try await store.createExperiment(a, in: ghost, at: Fixtures.now) }
        #expect(unknown?.code == .notFound)
        await #expect(throws: AttuneError.self) { try await store.updateExperiment(a, in: ghost, at: Fixtures.now) }
        #expect(try await store.experiment(a.key, in: ghost) == nil)
        #expect(try await store.experiments(in: ghost).isEmpty)
    }

    static func aWorkspaceHoldsABoundedNumberOfExperiments(_ store: some Store) async throws {
        try await prepare(store)
        for index in 0..<SQLiteStore.maxExperiments {
            try await store.createExperiment(definition("e\(index)"), in: .default, at: Fixtures.now)
        }
        let full = await #expect(throws: AttuneError.self) {
            try await store.createExperiment(definition("one-more"), in: .default, at: Fixtures.now)
        }
        #expect(full?.code == .conflict)
        #expect(try await store.experiments(in: .default).count == SQLiteStore.maxExperiments)
        // The bound is per workspace.
        try await store.createExperiment(definition("one-more"), in: other, at: Fixtures.now)
    }

    static func theFirstExposureOfAUnitIsKept(_ store: some Store) async throws {
        try await prepare(store)
        #expect(try await store.recordExposures([], in: .default) == 0)
        // A duplicate within the batch: the first in input order is kept.
        let first = try await store.recordExposures(
            [exposure("x", "u1", 0), exposure("x", "u2", 1), exposure("x", "u1", 1), exposure("y", "u1", 1)], in: .default)
        #expect(first == 3)
        #expect(try await store.exposure(of: ExperimentKey(unchecked: "x"), unit: "u1", in: .default) == 0)
        // Later exposures of exposed units change nothing, and count only the new ones.
        let second = try await store.recordExposures(
            [exposure("x", "u1", 1, at: 9), exposure("x", "u2", 0), exposure("x", "u3", 1)], in: .default)
        #expect(second == 1)
        #expect(try await store.exposure(of: ExperimentKey(unchecked: "x"), unit: "u1", in: .default) == 0)
        #expect(try await store.exposure(of: ExperimentKey(unchecked: "x"), unit: "u2", in: .default) == 1)
        #expect(try await store.exposure(of: ExperimentKey(unchecked: "x"), unit: "nobody", in: .default) == nil)
        #expect(try await store.exposureCounts(of: ExperimentKey(unchecked: "x"), in: .default) == [0: 1, 1: 2])
        #expect(try await store.exposureCounts(of: ExperimentKey(unchecked: "y"), in: .default) == [1: 1])
        #expect(try await store.exposureCounts(of: ExperimentKey(unchecked: "none"), in: .default) == [:])
        let outcomes = try await store.unitOutcomes(
            of: ExperimentKey(unchecked: "x"), types: [], lookbackMilliseconds: 0, in: .default)
        #expect(outcomes == [
            UnitOutcome(unit: "u1", variant: 0, exposedAt: Fixtures.now),
            UnitOutcome(unit: "u2", variant: 1, exposedAt: Fixtures.now), UnitOutcome(unit: "u3", variant: 1, exposedAt: Fixtures.now),
        ])

        // Another workspace has its own exposures.
        #expect(try await store.exposure(of: ExperimentKey(unchecked: "x"), unit: "u1", in: other) == nil)
        #expect(try await store.recordExposures([exposure("x", "u1", 1)], in: other) == 1)
        #expect(try await store.exposure(of: ExperimentKey(unchecked: "x"), unit: "u1", in: other) == 1)
        #expect(try await store.exposure(of: ExperimentKey(unchecked: "x"), unit: "u1", in: .default) == 0)

        // An unknown workspace is an error; reading it finds nothing.
        let ghost = WorkspaceID(unchecked: "ghost")
        let error = await #expect(throws: AttuneError.self) { try await store.recordExposures([exposure("x", "u9", 0)], in: ghost) }
        #expect(error?.code == .notFound)
        #expect(try await store.exposure(of: ExperimentKey(unchecked: "x"), unit: "u9", in: ghost) == nil)
        #expect(try await store.exposureCounts(of: ExperimentKey(unchecked: "x"), in: ghost) == [:])
        #expect(try await store.unitOutcomes(of: ExperimentKey(unchecked: "x"), types: [.view], lookbackMilliseconds: 0, in: ghost).isEmpty)
    }

    static func unitsAreStoredByteForByte(_ store: some Store) async throws {
        try await prepare(store)
        let units = [
            "", " ", "'; DROP TABLE exposures; --", #"quote " and \ backslash"#, "crème brûlée 🍮", "\u{7F}\t\n",
            "é", String(repeating: "long", count: 2_000),
        ]
        let extremes = [Int.max, Int.min, -1, 0, 1, 2, 3, 4]
        let exposures = zip(units, extremes).map { exposure("x", $0, $1, at: Int64($1 == Int.min ? -1 : 1)) }
        #expect(try await store.recordExposures(exposures, in: .default) == units.count)
        for (unit, variant) in zip(units, extremes) {
            #expect(try await store.exposure(of: ExperimentKey(unchecked: "x"), unit: unit, in: .default) == variant)
        }
        #expect(try await store.exposureCounts(of: ExperimentKey(unchecked: "x"), in: .default).values.reduce(0, +) == units.count)
        let outcomes = try await store.unitOutcomes(of: ExperimentKey(unchecked: "x"), types: [], lookbackMilliseconds: 0, in: .default)
        #expect(outcomes.map(\.unit) == units.sorted())
        #expect(Set(outcomes.map(\.exposedAt)) == [Fixtures.now.adding(milliseconds: 1), Fixtures.now.adding(milliseconds: -1)])

        // "é" precomposed and decomposed are different units, as they are different bytes.
        #expect(try await store.recordExposures([exposure("nf", "é", 0), exposure("nf", "e\u{301}", 1)], in: .default) == 2)
        #expect(try await store.exposure(of: ExperimentKey(unchecked: "nf"), unit: "é", in: .default) == 0)
        #expect(try await store.exposure(of: ExperimentKey(unchecked: "nf"), unit: "e\u{301}", in: .default) == 1)
    }

    /// What `ExposureLog` does from several processes: each records the unit with its own
    /// variant; exactly one is told its row was new, and that is the variant stored.
    static func concurrentExposuresOfOneUnitKeepOneVariant(_ store: some Store) async throws {
        try await prepare(store)
        try await recordConcurrently(on: [store, store])
    }

    /// Every unit is recorded once by each writer (writer `w` with variant `w`), alone and in
    /// batches whose orders differ between writers; each unit must end with exactly one stored
    /// variant, that of the writer whose single-unit call reported it new.
    package static func recordConcurrently(on writers: [any Store], units: Int = 60) async throws {
        let key = ExperimentKey(unchecked: "race")
        let winners = try await withThrowingTaskGroup(of: [Int: Int].self) { group in
            for (variant, writer) in writers.enumerated() {
                group.addTask {
                    var won: [Int: Int] = [:]
                    for unit in 0..<units {
                        if try await writer.recordExposures([exposure("race", "unit-\(unit)", variant)], in: .default) == 1 {
                            won[unit] = variant
                        }
                    }
                    return won
                }
                group.addTask {
                    // The same units again in one batch, in an order of this writer's own: it
                    // may not store any variant but the single calls'.
                    let order = variant.isMultiple(of: 2) ? Array(0..<units).reversed() : Array(0..<units)
                    _ = try await writer.recordExposures(order.map { exposure("race-batch", "unit-\($0)", variant) }, in: .default)
                    return [:]
                }
            }
            var all: [[Int: Int]] = []
            for try await won in group { all.append(won) }
            return all
        }
        var claimed: [Int: [Int]] = [:]
        for won in winners { for (unit, variant) in won { claimed[unit, default: []].append(variant) } }
        for unit in 0..<units {
            let stored = try await writers[0].exposure(of: key, unit: "unit-\(unit)", in: .default)
            #expect(claimed[unit] == [stored].compactMap { $0 }, "unit-\(unit)")
        }
        #expect(try await writers[0].exposureCounts(of: key, in: .default).values.reduce(0, +) == units)
        #expect(try await writers[0].exposureCounts(of: ExperimentKey(unchecked: "race-batch"), in: .default).values.reduce(0, +) == units)
    }

    static func unitOutcomesTotalEventsAfterAndBeforeExposure(_ store: some Store) async throws {
        try await prepare(store)
        try await store.recordExposures(
            [exposure("x", "u1", 0, at: 1_000), exposure("x", "a1", 1, at: 1_000), exposure("x", "idle", 1, at: 1_000)], in: .default)
        func event(_ n: UInt64, _ type: EventType, user: String?, anonymous: String? = nil, at offset: Int64, value: Double? = nil) -> Event {
            var event = Fixtures.event(n, type: type, user: user, anonymous: anonymous, at: offset)
            event.value = value
            return event
        }
        _ = try await store.append([EventBatch(workspace: .default, events: [
            event(1, .purchase, user: "u1", at: 1_000, value: 2.5),  // at exposure: after
            event(2, .purchase, user: "u1", at: 5_000, value: nil),  // no value: counted, adds 0
            event(3, .purchase, user: "u1", at: 999, value: 1.25),  // just before
            event(4, .purchase, user: "u1", at: 499, value: 100),  // before the look-back window
            event(5, .view, user: "u1", at: 2_000),
            event(6, .click, user: "u1", at: 2_000),  // a type not asked for
            event(7, .view, user: nil, anonymous: "a1", at: 3_000),  // matched by anonymous id
            event(8, .view, user: "someone", anonymous: "a1", at: 3_000),
            // Matched by both columns: counted once per column, as the two joins read it.
            event(9, .view, user: "a1", anonymous: "a1", at: 3_000),
            event(10, .purchase, user: "unexposed", at: 3_000, value: 7),
        ])])
        // The same unit in another workspace is not this experiment's.
        _ = try await store.append([EventBatch(workspace: other, events: [event(11, .purchase, user: "u1", at: 2_000, value: 50)])])

        let outcomes = try await store.unitOutcomes(
            of: ExperimentKey(unchecked: "x"), types: [.purchase, .view, .view], lookbackMilliseconds: 500, in: .default)
        typealias T = UnitOutcome.Totals
        let at = Fixtures.now.adding(milliseconds: 1_000)
        #expect(outcomes == [
            UnitOutcome(unit: "a1", variant: 1, exposedAt: at, after: [.view: T(count: 4, value: 0)]),
            UnitOutcome(unit: "idle", variant: 1, exposedAt: at),
            UnitOutcome(
                unit: "u1", variant: 0, exposedAt: at, after: [.purchase: T(count: 2, value: 2.5), .view: T(count: 1, value: 0)],
                before: [.purchase: T(count: 1, value: 1.25)]),
        ])
        #expect(try await store.unitOutcomes(of: ExperimentKey(unchecked: "other"), types: [.view], lookbackMilliseconds: 0, in: .default).isEmpty)
    }

    static func unitOutcomesTakeAnyLookBack(_ store: some Store) async throws {
        try await prepare(store)
        try await store.recordExposures([exposure("x", "u1", 0, at: 0)], in: .default)
        _ = try await store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(1, type: .view, user: "u1", at: -1_000_000_000_000), Fixtures.event(2, type: .view, user: "u1", at: 5),
        ])])
        let key = ExperimentKey(unchecked: "x")
        func totals(_ lookback: Int64) async throws -> (before: Int, after: Int) {
            let outcome = try #require(try await store.unitOutcomes(of: key, types: [.view], lookbackMilliseconds: lookback, in: .default).first)
            return (outcome.before[.view]?.count ?? 0, outcome.after[.view]?.count ?? 0)
        }
        #expect(try await totals(0) == (0, 1))
        #expect(try await totals(.max) == (1, 1))
        // A negative look-back starts the window after the exposure: only later events count.
        #expect(try await totals(-5) == (0, 1))
        #expect(try await totals(-6) == (0, 0))
        // The window's start lies beyond the 64-bit range: nothing is in it, and nothing fails.
        #expect(try await totals(.min) == (0, 0))
    }

    static func actionsAreKeptInOrderPerExperiment(_ store: some Store) async throws {
        try await prepare(store)
        let x = ExperimentKey(unchecked: "x")
        let actions = [
            ExperimentAction(experiment: x, action: "stop", evidence: #"{"metric":"purchase","p":0.001}"#, time: Fixtures.now),
            ExperimentAction(experiment: x, action: "note", evidence: "", time: Fixtures.now.adding(milliseconds: -5)),
            ExperimentAction(experiment: x, action: "stop", evidence: "crème 🍮 'quoted' \\", time: Fixtures.now),
        ]
        for action in actions { try await store.recordAction(action, in: .default) }
        try await store.recordAction(
            ExperimentAction(experiment: ExperimentKey(unchecked: "y"), action: "stop", evidence: "{}", time: Fixtures.now), in: .default)
        try await store.recordAction(
            ExperimentAction(experiment: x, action: "elsewhere", evidence: "{}", time: Fixtures.now), in: other)
        // Insertion order, not time order.
        #expect(try await store.actions(of: x, in: .default) == actions)
        #expect(try await store.actions(of: x, in: other).map(\.action) == ["elsewhere"])
        #expect(try await store.actions(of: ExperimentKey(unchecked: "none"), in: .default).isEmpty)
        let ghost = WorkspaceID(unchecked: "ghost")
        await #expect(throws: AttuneError.self) { try await store.recordAction(actions[0], in: ghost) }
        #expect(try await store.actions(of: x, in: ghost).isEmpty)
    }
}
