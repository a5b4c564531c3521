import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation

struct BenchSegments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segments",
        abstract: "Rule segment evaluation: one profile against many segments, and ingestion with and without them.",
        discussion: """
            Rules mix traits, declared attributes, days_since and 30-day event aggregates, as a workspace \
            would. Evaluation: the time to match one profile against every rule (aggregates already \
            computed). Ingestion: events per second into a temporary store (durability normal), each \
            transaction re-evaluating its users' memberships, beside the same run without segments.
            """)

    @Option(help: "Rule segments.") var segments = 100
    @Option(help: "Profile evaluations to time.") var evaluations = 100_000
    @Option(help: "Events to ingest (0 skips ingestion).") var events = 100_000
    @Option(help: "Distinct users the events belong to.") var users = 5_000
    @Option(help: "Events per transaction.") var chunk = 1_000

    func validate() throws {
        guard (1...10_000).contains(segments), evaluations >= 1, events >= 0, users >= 1, (1...100_000).contains(chunk) else {
            throw ValidationError("need 1-10000 segments, positive evaluations and users, 1-100000 events per chunk")
        }
    }

    func rules() -> [String] {
        let templates = [
            "traits.events >= %d", "traits.purchases > %d and traits.monetary > 50",
            "days_since(traits.last_seen) < %d", #"attributes.plan == "gold" and traits.sessions > %d"#,
            #"count(events, type == "purchase", within: 30d) >= %d"#, "traits.events_by_type.view > %d",
        ]
        return (0..<segments).map { String(format: templates[$0 % templates.count], 1 + $0 / templates.count) }
    }

    func run() async throws {
        let compiled = try rules().enumerated().map { (i, source) in
            (SegmentID(unchecked: "seg_\(i)"), try RuleExpression.compile(source, schema: ProfileFields.schema))
        }
        let set = SegmentRuleSet(rules: compiled)
        var traits = ProfileTraits()
        let now = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)
        for i in 0..<40 {
            traits.apply(
                type: i % 5 == 0 ? "purchase" : "view", sessionID: nil, value: 20,
                timestamp: now.millisecondsSinceEpoch - Int64(i) * 3_600_000)
        }
        let record = ProfileRecord(
            user: "u1", traits: traits, attributes: .object([("plan", .string("gold"))]),
            aggregates: Array(repeating: 8, count: set.aggregates.count))
        var matched = 0
        let start = ContinuousClock.now
        for _ in 0..<evaluations { matched += set.matching(record, now: now).count }
        let seconds = (ContinuousClock.now - start).seconds
        print(String(format: "evaluate  %d segments: %.2f µs per profile (%d matched)",
                     segments, seconds / Double(evaluations) * 1e6, matched / evaluations))
        if events > 0 {
            for withSegments in [false, true] {
                let rate = try await ingest(withSegments ? compiled.map { ($0.0, $0.1.description) } : [])
                print(String(format: "ingest    %6d events, %3d segments: %10.0f events/s",
                             events, withSegments ? segments : 0, rate))
            }
        }
    }

    private func ingest(_ definitions: [(SegmentID, String)]) async throws -> Double {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try DataDirectory.openStore(directory.path, durability: .normal)
        let clock = SystemClock()
        try await store.ensureWorkspace(.default, at: clock.now())
        for (id, rule) in definitions {
            try await store.createSegment(
                Segment(id: id, name: id.rawValue, kind: .rule, rule: rule, createdAt: clock.now(), updatedAt: clock.now()),
                in: .default)
        }
        var generator = SystemRandomNumberGenerator()
        let start = ContinuousClock.now
        for first in stride(from: 0, to: events, by: chunk) {
            let now = clock.now()
            let batch = (first..<min(first + chunk, events)).map { n in
                Event(
                    id: EventID.random(using: &generator), type: n % 7 == 0 ? .purchase : .view,
                    userID: UserID(unchecked: "u\(n % users)"), itemID: ItemID(unchecked: "i\(n % 500)"),
                    value: n % 7 == 0 ? 25 : nil, timestamp: now, receivedAt: now)
            }
            _ = try await store.append([EventBatch(workspace: .default, events: batch)])
        }
        return Double(events) / (ContinuousClock.now - start).seconds
    }
}

extension Duration {
    fileprivate var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
