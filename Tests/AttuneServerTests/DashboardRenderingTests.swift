import AttuneCore
import AttuneEngine
@testable import AttuneServer
import Testing

/// The pieces the pages are drawn with: escaping, charts, number and time formats, form bodies.
struct DashboardRenderingTests {
    @Test func interpolatedStringsAreEscapedAndMarkupIsNot() {
        let hostile = "<script>alert('x') & \"y\"</script>"
        let html: HTML = "<p title=\"\(hostile)\">\(hostile)</p>"
        #expect(html.text == "<p title=\"&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;\">&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;</p>")
        let inner: HTML = "<b>\(hostile)</b>"
        let outer: HTML = "<div>\(inner)</div>"
        #expect(outer.text.hasPrefix("<div><b>&lt;script"))
        #expect(HTML.queryValue("a b/<é>") == "a%20b%2F%3C%C3%A9%3E")
    }

    @Test func chartsAreBalancedSVGWithEscapedLabels() {
        let line = SVGChart.line(
            [ChartSeries(name: "<a>", values: [1, nil, 3, 2]), ChartSeries(name: "b", values: [0, 0, 5, nil])],
            labels: ["00:00", "<x>", "00:02", "00:03"], title: "t & t")
        #expect(MarkupCheck.problems(line.text).isEmpty, "\(MarkupCheck.problems(line.text))")
        #expect(line.text.contains("&lt;a&gt;"))
        #expect(line.text.contains("<polyline"))
        let bars = SVGChart.bars(
            [ChartBar(label: "<control>", value: 0.1, interval: (0.05, 0.15)), ChartBar(label: "b", value: -0.02, interval: (-0.1, 0.06)),
             ChartBar(label: "c", value: nil)],
            title: "lift")
        #expect(MarkupCheck.problems(bars.text).isEmpty, "\(MarkupCheck.problems(bars.text))")
        #expect(bars.text.contains("class=\"whisker\""))
        #expect(bars.text.contains("no data"))
        #expect(SVGChart.line([], labels: [], title: "nothing").text.contains("no data yet"))
        // Uneven times: the middle point sits a tenth of the way along, not half.
        let timed = SVGChart.line([ChartSeries(name: "s", values: [1, 1, 1])], labels: ["a", "b", "c"], times: [0, 10, 100], title: "t")
        #expect(timed.text.contains("points=\"60.0,"))
        #expect(timed.text.contains(" 124.8,"))
        #expect(SVGChart.bars([ChartBar(label: "x", value: .nan)], title: "nan").text.contains("no data yet"))
    }

    @Test(arguments: [(0.0, 0.0, 0.0, 1.0), (0, 7, 0, 8), (0, 95, 0, 100), (-0.3, 0.2, -0.4, 0.2), (0, 0.013, 0, 0.015)])
    func niceRangesHaveRoundEnds(_ low: Double, _ high: Double, _ expectedLow: Double, _ expectedHigh: Double) {
        let (a, b) = SVGChart.niceRange(low, high)
        #expect(abs(a - expectedLow) < 1e-9 && abs(b - expectedHigh) < 1e-9, "\(a) \(b)")
    }

    @Test func wilsonIntervalsMatchTheTextbook() {
        let (low, high) = ModelsPage.wilson(5, 10)
        #expect(abs(low - 0.2366) < 1e-4 && abs(high - 0.7634) < 1e-4, "\(low) \(high)")
        #expect(ModelsPage.wilson(0, 20).lower == 0)
        #expect(ModelsPage.wilson(20, 20).upper == 1)
    }

    @Test func formatsAreStable() {
        #expect(DashboardFormat.count(1_234_567) == "1,234,567")
        #expect(DashboardFormat.count(-1_000) == "-1,000")
        #expect(DashboardFormat.number(nil) == "–")
        #expect(DashboardFormat.number(.infinity) == "–")
        #expect(DashboardFormat.percent(0.1234) == "12.3%")
        #expect(DashboardFormat.time(Timestamp(millisecondsSinceEpoch: 1_767_225_600_000 + 3_723_000)) == "2026-01-01 01:02 UTC")
        #expect(DashboardFormat.time(Timestamp(millisecondsSinceEpoch: 951_782_400_000)) == "2000-02-29 00:00 UTC")
        #expect(SVGChart.labelPositions(60).first == 0 && SVGChart.labelPositions(60).last == 59)
    }

    @Test func formBodiesDecodeAndRefuseBadUTF8() throws {
        let fields = try FormBody.parse(Array("key=a%2Bb+c&key=second&csrf=%3D%3D&empty".utf8))
        #expect(fields["key"] == "a+b c")
        #expect(fields["csrf"] == "==")
        #expect(fields["empty"] == "")
        #expect(throws: AttuneError.self) { try FormBody.parse(Array("key=%C3%28".utf8)) }
        #expect(try FormBody.parse(Array("key=%zz%4".utf8))["key"] == "%zz%4")
    }

    @Test func sessionsVerifyOnlyTheirOwnUnexpiredTokens() {
        let sessions = DashboardSessions(secret: Array(repeating: 7, count: 32), lifetime: .seconds(60))
        let other = DashboardSessions(secret: Array(repeating: 8, count: 32), lifetime: .seconds(60))
        let principal = Principal(workspace: .default, scope: .admin, keyID: "key_abc")
        let now = Timestamp(millisecondsSinceEpoch: 1_000_000)
        let token = sessions.issue(for: principal, now: now)
        #expect(sessions.verify(token, now: now)?.keyID == "key_abc")
        #expect(sessions.verify(token, now: now.adding(milliseconds: 60_000)) == nil)
        #expect(other.verify(token, now: now) == nil)
        #expect(sessions.csrfMatches(sessions.csrfToken(for: token), token: token))
        #expect(!sessions.csrfMatches(other.csrfToken(for: token), token: token))
        #expect(sessions.issue(for: principal, now: now) != token)
    }
}
