import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird

/// `GET /dashboard/segments`: every segment with its size and definition, and sizes over time as
/// recorded by the segment sweep.
enum SegmentsPage {
    /// Days of recorded sizes drawn.
    static let historyDays: Int64 = 30
    /// Lines drawn at most (the largest segments); the table lists all.
    static let chartedSegments = 8

    @Sendable static func render(_ context: DashboardContext, _ request: Request) async throws -> HTML {
        let store = context.dependencies.store
        let workspace = context.workspace
        let segments = try await store.segments(in: workspace)
        guard !segments.isEmpty else {
            return """
                <p class="empty">No segments yet. Create a rule segment with <code>POST /v1/segments</code> or \
                <code>attune segment create</code>, or learn some with <code>attune segment train</code>.</p>
                """
        }
        var sizes: [SegmentID: Int] = [:]
        for segment in segments { sizes[segment.id] = try await store.memberCount(of: segment.id, in: workspace) }
        let now = context.now.millisecondsSinceEpoch
        let history = try await store.segmentSizes(
            in: workspace, since: Timestamp(millisecondsSinceEpoch: now - historyDays * 86_400_000))

        var body = DashboardLayout.table(
            ["segment", "kind", "members", "definition", "updated"],
            segments.map { s -> [HTML] in
                let definition: HTML
                if let rule = s.rule {
                    definition = "<code>\(rule)</code>"
                } else if let e = s.explanation {
                    definition = "<code>\(e.rules)</code> <span class=\"muted\">(rules agree with the clustering for \(DashboardFormat.percent(e.fidelity)) of users)</span>"
                } else {
                    definition = .empty
                }
                return ["\(s.name)<br><span class=\"muted\"><code>\(s.id)</code></span>", "\(s.kind.rawValue)",
                        "\(DashboardFormat.count(sizes[s.id] ?? 0))", definition, "\(DashboardFormat.time(s.updatedAt))"]
            },
            empty: "No segments.")

        body.append("<h2>Segment sizes</h2>")
        body.append(SVGChart.bars(
            segments.sorted { (sizes[$0.id] ?? 0) > (sizes[$1.id] ?? 0) }.prefix(20).map { s in
                ChartBar(label: s.name, value: Double(sizes[s.id] ?? 0))
            },
            title: "Members per segment now", format: { DashboardFormat.number($0, digits: 0) }))

        body.append("<h2>Sizes over the last \(Int(historyDays)) days</h2>")
        // One column per recorded sweep time, the current count last.
        let times = Array(Set(history.values.flatMap { $0.map(\.time.millisecondsSinceEpoch) })).sorted()
        if times.isEmpty {
            body.append(
                "<p class=\"empty\">No sizes recorded yet: the server records every segment's size at each segment sweep (hourly by default).</p>")
            return body
        }
        let charted = segments.sorted { (sizes[$0.id] ?? 0) > (sizes[$1.id] ?? 0) }.prefix(chartedSegments)
        let columns = times + [now]
        let series = charted.map { s -> ChartSeries in
            let recorded = Dictionary(
                (history[s.id] ?? []).map { ($0.time.millisecondsSinceEpoch, Double($0.members)) }, uniquingKeysWith: { $1 })
            var values: [Double?] = times.map { recorded[$0] }
            values.append(Double(sizes[s.id] ?? 0))
            return ChartSeries(name: s.name, values: values)
        }
        let labels = columns.map { "\(DashboardFormat.shortDate($0)) \(DashboardFormat.clockTime($0))" }
        body.append(SVGChart.line(
            series, labels: labels, times: columns, title: "Members per segment over time",
            format: { DashboardFormat.number($0, digits: 0) }))
        return body
    }
}
