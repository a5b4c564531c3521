import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird

/// `GET /dashboard`: event flow, active users, top items, ingestion errors, the live model.
enum OverviewPage {
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000

    @Sendable static func render(_ context: DashboardContext, _ request: Request) async throws -> HTML {
        let store = context.dependencies.store
        let workspace = context.workspace
        let now = context.now.millisecondsSinceEpoch
        let stats = try await store.stats(of: workspace)
        let day = try await store.activeUsers(in: workspace, since: Timestamp(millisecondsSinceEpoch: now - 24 * hour))
        let week = try await store.activeUsers(in: workspace, since: Timestamp(millisecondsSinceEpoch: now - 7 * 24 * hour))
        let model = context.dependencies.models.model(for: workspace)
        let tally = context.dependencies.ingestionTally.counts(in: workspace)

        // Whole minutes (hours), the current one last, so that the last point is still filling.
        let minuteStart = (now / minute - 59) * minute
        let perMinute = try await store.arrivals(
            in: workspace, from: Timestamp(millisecondsSinceEpoch: minuteStart), bucketMilliseconds: minute, buckets: 60, type: nil)
        let hourStart = (now / hour - 23) * hour
        let perHour = try await store.arrivals(
            in: workspace, from: Timestamp(millisecondsSinceEpoch: hourStart), bucketMilliseconds: hour, buckets: 24, type: nil)
        let top = try await store.topItems(in: workspace, since: Timestamp(millisecondsSinceEpoch: now - 24 * hour), limit: 10)
        let catalogue = try await store.items(top.map(\.item), in: workspace)

        var body = DashboardLayout.cards([
            ("events stored", DashboardFormat.count(stats.events)),
            ("users", DashboardFormat.count(stats.users)),
            ("anonymous visitors", DashboardFormat.count(stats.anonymousVisitors)),
            ("active users, 24 h", DashboardFormat.count(day)),
            ("active users, 7 d", DashboardFormat.count(week)),
            ("items (available)", "\(DashboardFormat.count(stats.items)) (\(DashboardFormat.count(stats.availableItems)))"),
            ("live model", model.map { "v\($0.version) \($0.snapshot.family.rawValue)" } ?? "none"),
        ])
        body.append("<h2>Events per minute, last hour</h2>")
        body.append(SVGChart.line(
            [ChartSeries(name: "events", values: perMinute.map(Double.init))],
            labels: (0..<60).map { DashboardFormat.clockTime(minuteStart + Int64($0) * minute) },
            title: "Events per minute, last hour", format: { DashboardFormat.number($0, digits: 1) }))
        body.append("<h2>Events per hour, last 24 hours</h2>")
        body.append(SVGChart.line(
            [ChartSeries(name: "events", values: perHour.map(Double.init))],
            labels: (0..<24).map { DashboardFormat.clockTime(hourStart + Int64($0) * hour) },
            title: "Events per hour, last 24 hours", format: { DashboardFormat.number($0, digits: 1) }))
        body.append("<h2>Top items, last 24 hours</h2>")
        body.append(SVGChart.bars(
            top.map { entry in
                let title = catalogue[entry.item]?.title.map { "\($0) (\(entry.item.rawValue))" } ?? entry.item.rawValue
                return ChartBar(label: title, value: Double(entry.events))
            },
            title: "Events per item, last 24 hours", format: { DashboardFormat.number($0, digits: 0) }))
        body.append("<h2>Ingestion since the server started</h2>")
        body.append(DashboardLayout.cards([
            ("events received", DashboardFormat.count(tally.received)),
            ("accepted", DashboardFormat.count(tally.accepted)),
            ("duplicates", DashboardFormat.count(tally.duplicates)),
            ("events rejected", DashboardFormat.count(tally.rejectedEvents)),
            ("requests refused", DashboardFormat.count(tally.rejectedRequests)),
        ]))
        let reasons = tally.reasons.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        body.append(DashboardLayout.table(
            ["reason (error code and field)", "times"],
            reasons.map { ["<code>\($0.key)</code>", "\(DashboardFormat.count($0.value))"] },
            empty: "No event has been rejected since the server started."))
        return body
    }
}
