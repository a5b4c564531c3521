import AttuneCore
import AttuneEngine
import AttuneExperiments
import AttuneStore
import AttuneTestSupport
import Testing

struct ExperimentServiceTests {
    static let key = ExperimentKey(unchecked: "checkout")
    static let counter = Counter()

    final class Counter: Sendable {
        let next = Locked<UInt64>(0)
        func take() -> UInt64 { next.withLock { $0 += 1; return $0 } }
    }

    static func event(user: String, type: EventType, value: Double? = nil, at time: Timestamp) -> Event {
        Event(
            id: Fixtures.eventID(counter.take()), type: type, userID: UserID(unchecked: user), value: value,
            timestamp: time, receivedAt: time)
    }

    func running(_ extra: String = "") async throws -> (ExperimentService, SQLiteStore, FixedClock) {
        let store = try SQLiteStore()
        let clock = FixedClock()
        try await store.ensureWorkspace(.default, at: clock.now())
        let service = ExperimentService(store: store, clock: clock)
        let json = try JSONParser().parse(
            #"{"key": "checkout", "variants": [{"key": "control"}, {"key": "new"}], "status": "running"\#(extra)}"#)
        _ = try await service.create(json, in: .default)
        return (service, store, clock)
    }

    @Test func assignmentIsStickyAcrossServiceInstancesAndLoggedOnce() async throws {
        let (service, store, clock) = try await running()
        var first: [String: Int?] = [:]
        for i in 0..<300 { first["u\(i)"] = try await service.assign(Self.key, unit: UserID(unchecked: "u\(i)"), in: .default).variant }
        // A new service over the same store, as after a restart.
        let restarted = ExperimentService(store: store, clock: clock)
        for i in 0..<300 {
            let again = try await restarted.assign(Self.key, unit: UserID(unchecked: "u\(i)"), in: .default)
            #expect(again.variant == first["u\(i)"]!)
        }
        let counts = try await store.exposureCounts(of: Self.key, in: .default)
        #expect(counts.values.reduce(0, +) == 300)
        #expect(counts[0]! > 100 && counts[1]! > 100)
    }

    @Test func layersKeepExperimentsApart() async throws {
        let store = try SQLiteStore()
        let clock = FixedClock()
        try await store.ensureWorkspace(.default, at: clock.now())
        let service = ExperimentService(store: store, clock: clock)
        for (key, start, end) in [("left", 0.0, 0.5), ("right", 0.5, 1.0)] {
            _ = try await service.create(
                try JSONParser().parse(
                    #"{"key": "\#(key)", "variants": [{"key": "a"}, {"key": "b"}], "status": "running", "layer": {"name": "checkout", "start": \#(start), "end": \#(end)}}"#),
                in: .default)
        }
        var both = 0
        var neither = 0
        for i in 0..<2_000 {
            let user = UserID(unchecked: "u\(i)")
            let left = try await service.assign(ExperimentKey(unchecked: "left"), unit: user, in: .default).enrolled
            let right = try await service.assign(ExperimentKey(unchecked: "right"), unit: user, in: .default).enrolled
            if left && right { both += 1 }
            if !left && !right { neither += 1 }
        }
        #expect(both == 0)
        #expect(neither == 0)
    }

    @Test func resultsCountEventsAfterExposureAndUseThePrePeriodForCUPED() async throws {
        let (service, store, clock) = try await running(#", "metrics": [{"name": "spend", "kind": "sum", "event": "purchase"}]"#)
        var events: [Event] = []
        let exposure = clock.now()
        for i in 0..<400 {
            let user = UserID(unchecked: "u\(i)")
            let arm = try await service.assign(Self.key, unit: user, in: .default).variant ?? 0
            let habit = Double(i % 10) * 10
            // Before exposure: the unit's usual spend; after: the same plus 5 in the new variant.
            events.append(Self.event(user: user.rawValue, type: .purchase, value: habit, at: exposure.adding(milliseconds: -86_400_000)))
            events.append(Self.event(user: user.rawValue, type: .purchase, value: habit + (arm == 1 ? 5 : 0) + Double(i % 3), at: exposure.adding(milliseconds: 60_000)))
        }
        events.append(Self.event(user: "stranger", type: .purchase, value: 1_000, at: exposure.adding(milliseconds: 60_000)))
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        let results = try await service.results(of: Self.key, in: .default)
        let metric = results.report.metrics[0]
        #expect(metric.arms.map(\.units).reduce(0, +) == 400, "the unexposed stranger does not count")
        let arm = metric.arms[1]
        #expect(try #require(arm.cupedVarianceReduction) > 0.9)
        #expect(abs(try #require(arm.difference) - 5) < 0.5)
        #expect(try #require(arm.pValue) < 1e-6)
    }

    @Test func aBreachedGuardrailStopsTheExperimentWithEvidence() async throws {
        let (service, store, clock) = try await running(
            #", "guardrails": [{"name": "checkout_errors", "kind": "conversion", "event": "error", "direction": "decrease"}]"#)
        var events: [Event] = []
        for i in 0..<2_000 {
            let user = UserID(unchecked: "u\(i)")
            let arm = try await service.assign(Self.key, unit: user, in: .default).variant ?? 0
            let failing = arm == 1 ? i % 4 == 0 : i % 25 == 0
            if failing { events.append(Self.event(user: user.rawValue, type: EventType(unchecked: "error"), at: clock.now().adding(milliseconds: 1_000))) }
        }
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        let actions = try await service.enforceGuardrails(in: .default)
        #expect(actions.count == 1)
        #expect(actions.first?.evidence.contains("checkout_errors in new") == true)
        let stopped = try await service.experiment(Self.key, in: .default)
        #expect(stopped.status == .stopped)
        #expect(stopped.stopReason?.hasPrefix("guardrail breached") == true)
        #expect(try await store.actions(of: Self.key, in: .default).count == 1)
        let after = try await service.assign(Self.key, unit: UserID(unchecked: "u1"), in: .default)
        #expect(after.variant == 0 && !after.enrolled)
        #expect(try await service.enforceGuardrails(in: .default).isEmpty, "a stopped experiment is not checked again")
    }
}

struct ExperimentBanditTests {
    @Test func aBanditMovesNewUnitsToTheBestVariantAndKeepsOldOnesWhereTheyWere() async throws {
        let store = try SQLiteStore()
        let clock = FixedClock()
        try await store.ensureWorkspace(.default, at: clock.now())
        let service = ExperimentService(store: store, clock: clock)
        let key = ExperimentKey(unchecked: "headline")
        _ = try await service.create(
            try JSONParser().parse(
                #"{"key": "headline", "variants": [{"key": "a"}, {"key": "b"}, {"key": "c"}], "status": "running", "allocation": "thompson", "minimumShare": 0.05}"#),
            in: .default)
        var first: [String: Int] = [:]
        var events: [Event] = []
        let rates = [0.02, 0.05, 0.30]
        for i in 0..<900 {
            let user = "u\(i)"
            let arm = try #require(try await service.assign(key, unit: UserID(unchecked: user), in: .default).variant)
            first[user] = arm
            // A deterministic share of each arm's units converts at its rate.
            if Double(i % 100) < rates[arm] * 100 {
                events.append(ExperimentServiceTests.event(user: user, type: .purchase, at: clock.now().adding(milliseconds: 1_000)))
            }
        }
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        #expect(try await service.updateBandits(in: .default, seed: 1) == [key])
        let weights = try #require(try await service.experiment(key, in: .default).banditWeights)
        #expect(weights[2] > 0.8, "\(weights)")
        #expect(weights.allSatisfy { $0 >= 0.05 - 1e-9 })
        // New units now go mostly to c; units already exposed keep their variant.
        let fresh = ExperimentService(store: store, clock: clock)
        var toC = 0
        for i in 900..<1_300 where try await fresh.assign(key, unit: UserID(unchecked: "u\(i)"), in: .default).variant == 2 { toC += 1 }
        #expect(toC > 280, "\(toC) of 400 new units")
        for i in stride(from: 0, to: 900, by: 7) {
            #expect(try await fresh.assign(key, unit: UserID(unchecked: "u\(i)"), in: .default).variant == first["u\(i)"])
        }
        let results = try await fresh.results(of: key, in: .default)
        #expect(results.report.sampleRatioMismatch == nil, "a bandit's split moves on purpose")
    }

    @Test func aBanditNeedsAConversionMetricAndRoomForItsFloor() async throws {
        for body in [
            #"{"key": "x", "variants": [{"key": "a"}, {"key": "b"}], "allocation": "ucb1", "metrics": [{"name": "n", "kind": "count", "event": "view"}]}"#,
            #"{"key": "x", "variants": [{"key": "a"}, {"key": "b"}, {"key": "c"}], "allocation": "thompson", "minimumShare": 0.4}"#,
            #"{"key": "x", "variants": [{"key": "a"}], "allocation": "thompson"}"#,
            #"{"key": "x", "variants": [{"key": "a"}, {"key": "b"}], "allocation": "greedy"}"#,
        ] {
            #expect(throws: AttuneError.self, "\(body)") { try ExperimentDefinition.decode(try JSONParser().parse(body)) }
        }
    }
}
