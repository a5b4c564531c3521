import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird

/// `GET /dashboard/models`: stored versions with family, parameters, offline metrics and which is
/// live; online click-through per version and over the last day.
enum ModelsPage {
    /// Newest versions listed.
    static let listed = 30
    static let hour: Int64 = 3_600_000

    @Sendable static func render(_ context: DashboardContext, _ request: Request) async throws -> HTML {
        let registry = context.dependencies.models
        let workspace = context.workspace
        let files = registry.files
        let live = registry.model(for: workspace)
        let pinned = files.pinnedVersion(in: workspace)
        let versions = Array(files.versions(in: workspace).suffix(listed).reversed())
        var summaries: [ModelSummary] = []
        var unreadable: [Int] = []
        for version in versions {
            if let summary = try? files.summary(version: version, in: workspace) { summaries.append(summary) } else { unreadable.append(version) }
        }

        var body = DashboardLayout.cards([
            ("live model", live.map { "v\($0.version)" } ?? "none"),
            ("family", live?.snapshot.family.rawValue ?? "–"),
            ("trained", live.map { DashboardFormat.time($0.snapshot.createdAt) } ?? "–"),
            ("pinned", pinned.map { "v\($0)" } ?? "no (newest acceptable)"),
            ("stored versions", DashboardFormat.count(files.versions(in: workspace).count)),
        ])
        body.append("<h2>Versions</h2>")
        if summaries.isEmpty && unreadable.isEmpty {
            body.append("<p class=\"empty\">No trained model yet: run <code>attune train</code> (or <code>attune demo</code>). Until then recommendations fall back to the most popular items.</p>")
        } else {
            var rows = summaries.map { s -> [HTML] in
                var state: [String] = []
                if s.version == live?.version { state.append("live") }
                if s.version == pinned { state.append("pinned") }
                return [
                    "<strong>v\(s.version)</strong>", "\(s.family)", "\(DashboardFormat.time(s.createdAt))",
                    "\(JSONTable.text(s.metadata["interactions"] ?? .null))",
                    compact(s.metadata["parameters"]), compact(s.metadata["validation"]),
                    state.isEmpty ? .empty : "<span class=\"ok\">\(state.joined(separator: ", "))</span>",
                ]
            }
            rows += unreadable.map { v -> [HTML] in ["v\(v)", "<span class=\"bad\">unreadable</span>", "", "", "", "", ""] }
            body.append(DashboardLayout.table(
                ["version", "family", "created", "interactions", "parameters", "validation (offline)", "state"], rows, empty: ""))
            let ndcg = summaries.reversed().compactMap { s -> ChartBar? in
                guard case .number(let value)? = s.metadata["validation"]?["ndcg@10"] else { return nil }
                return ChartBar(label: "v\(s.version) \(s.family)", value: value)
            }
            body.append("<h2>Offline NDCG@10 by version</h2>")
            body.append(ndcg.isEmpty
                ? "<p class=\"empty\">No listed version holds validation metrics (training measures them on a held-out split when there is enough data).</p>"
                : SVGChart.bars(ndcg, title: "Validation NDCG@10 by version", format: { DashboardFormat.number($0, digits: 4) }))
        }

        body.append("<h2>Online click-through by version</h2>")
        let counts = context.dependencies.clickThrough.counts(in: workspace).sorted { $0.key < $1.key }
        if counts.isEmpty {
            body.append("<p class=\"empty\">No impressions or clicks counted since the server started (the count per version is kept in memory).</p>")
        } else {
            body.append(SVGChart.bars(
                counts.map { version, c in
                    ChartBar(
                        label: "v\(version)", value: c.rate, interval: c.impressions > 0 ? wilson(c.clicks, c.impressions) : nil,
                        note: "(\(DashboardFormat.count(c.clicks))/\(DashboardFormat.count(c.impressions)))")
                },
                title: "Clicks per impression by model version since the server started (95% Wilson interval)",
                format: { DashboardFormat.percent($0, digits: 2) }))
        }

        let now = context.now.millisecondsSinceEpoch
        let start = (now / hour - 23) * hour
        let store = context.dependencies.store
        let impressions = try await store.arrivals(
            in: workspace, from: Timestamp(millisecondsSinceEpoch: start), bucketMilliseconds: hour, buckets: 24,
            type: EventType(unchecked: "impression"))
        let clicks = try await store.arrivals(
            in: workspace, from: Timestamp(millisecondsSinceEpoch: start), bucketMilliseconds: hour, buckets: 24, type: .click)
        body.append("<h2>Click-through per hour, last 24 hours</h2>")
        if impressions.allSatisfy({ $0 == 0 }) {
            body.append("<p class=\"empty\">No impression events in the last 24 hours: send <code>impression</code> and <code>click</code> events with the recommendation's <code>modelVersion</code> to measure it.</p>")
        } else {
            let rates = zip(clicks, impressions).map { c, i -> Double? in i > 0 ? Double(c) / Double(i) : nil }
            body.append(SVGChart.line(
                [ChartSeries(name: "click-through", values: rates)],
                labels: (0..<24).map { DashboardFormat.clockTime(start + Int64($0) * hour) },
                title: "Clicks per impression per hour", format: { DashboardFormat.percent($0, digits: 1) }))
        }
        return body
    }

    private static func compact(_ value: JSONValue?) -> HTML {
        guard let members = value?.objectMembers, !members.isEmpty else { return "–" }
        let lines = members.map { m -> HTML in "<code>\(m.key)</code> \(JSONTable.text(m.value))" }
        return HTML.join(lines.enumerated().map { $0.offset == 0 ? $0.element : "<br>" + $0.element })
    }

    /// Wilson score interval for a proportion at 95%.
    static func wilson(_ successes: Int, _ trials: Int) -> (lower: Double, upper: Double) {
        let n = Double(trials), p = Double(successes) / n, z = 1.959964
        let denominator = 1 + z * z / n
        let centre = (p + z * z / (2 * n)) / denominator
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / denominator
        return (max(0, centre - half), min(1, centre + half))
    }
}
