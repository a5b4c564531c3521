import Foundation

/// One line of a line chart.
struct ChartSeries: Sendable {
    var name: String
    /// One value per x position; `nil` leaves a gap.
    var values: [Double?]
}

/// One bar of a bar chart, with an optional interval drawn as a whisker.
struct ChartBar: Sendable {
    var label: String
    var value: Double?
    var interval: (lower: Double, upper: Double)?
    /// Shown after the value (`n = 120`).
    var note: String?

    init(label: String, value: Double?, interval: (lower: Double, upper: Double)? = nil, note: String? = nil) {
        self.label = label
        self.value = value
        self.interval = interval
        self.note = note
    }
}

/// Charts drawn by the server as inline SVG: no script, no external asset, readable with styles
/// off (each chart has a title and a text description).
enum SVGChart {
    static let palette = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"]

    /// A line chart over shared x positions.
    /// - Parameters:
    ///   - labels: one per x position; about six are drawn.
    ///   - times: where each x position lies in time, for points that are not evenly spaced;
    ///     `nil` spaces them evenly.
    ///   - format: how y-axis values are written.
    static func line(
        _ series: [ChartSeries], labels: [String], times: [Int64]? = nil, title: String,
        format: (Double) -> String = { DashboardFormat.number($0, digits: 2) }
    ) -> HTML {
        let points = series.map(\.values.count).max() ?? 0
        let values = series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite)
        guard points > 0, !values.isEmpty else { return emptyChart(title) }
        let width = 720.0, height = 220.0, left = 60.0, right = 12.0, top = 12.0, bottom = 30.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let (low, high) = niceRange(min(0, values.min()!), max(values.max()!, 0))
        let span = times.flatMap { t -> (Int64, Int64)? in
            guard t.count == points, let first = t.min(), let last = t.max(), last > first else { return nil }
            return (first, last)
        }
        func x(_ i: Int) -> Double {
            if let (first, last) = span, let times { return left + plotWidth * Double(times[i] - first) / Double(last - first) }
            return points == 1 ? left + plotWidth / 2 : left + plotWidth * Double(i) / Double(points - 1)
        }
        func y(_ v: Double) -> Double { top + plotHeight * (1 - (v - low) / (high - low)) }
        var body: [HTML] = []
        for step in 0...4 {
            let v = low + (high - low) * Double(step) / 4
            body.append("<line class=\"grid\" x1=\"\(n(left))\" y1=\"\(n(y(v)))\" x2=\"\(n(width - right))\" y2=\"\(n(y(v)))\"/>")
            body.append("<text class=\"axis\" x=\"\(n(left - 6))\" y=\"\(n(y(v) + 4))\" text-anchor=\"end\">\(format(v))</text>")
        }
        for i in labelPositions(points) where i < labels.count {
            // The outermost labels hang inwards so that they are not cut at the edges.
            let anchor = points > 1 && i == 0 ? "start" : points > 1 && i == points - 1 ? "end" : "middle"
            body.append("<text class=\"axis\" x=\"\(n(x(i)))\" y=\"\(n(height - 10))\" text-anchor=\"\(anchor)\">\(labels[i])</text>")
        }
        for (k, s) in series.enumerated() {
            let color = palette[k % palette.count]
            // A gap (nil) starts a new polyline.
            var runs: [[String]] = [[]]
            for (i, value) in s.values.enumerated() {
                guard let value, value.isFinite else {
                    if !runs[runs.count - 1].isEmpty { runs.append([]) }
                    continue
                }
                runs[runs.count - 1].append("\(n(x(i))),\(n(y(value)))")
            }
            for run in runs where !run.isEmpty {
                if run.count == 1 {
                    let xy = run[0].split(separator: ",")
                    body.append("<circle cx=\"\(String(xy[0]))\" cy=\"\(String(xy[1]))\" r=\"3\" fill=\"\(color)\"><title>\(s.name)</title></circle>")
                } else {
                    body.append(
                        "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(run.joined(separator: " "))\"><title>\(s.name)</title></polyline>")
                }
            }
        }
        let legend: HTML = series.count > 1 ? legendHTML(series.map(\.name)) : .empty
        let description = series.map { s in
            let present = s.values.compactMap { $0 }
            return "\(s.name): \(present.count) points, last \(present.last.map(format) ?? "–"), highest \(present.max().map(format) ?? "–")"
        }.joined(separator: "; ")
        return """
            <figure class="chart"><svg viewBox="0 0 \(n(width)) \(n(height))" role="img" aria-label="\(title)" xmlns="http://www.w3.org/2000/svg">\
            <title>\(title)</title><desc>\(description)</desc>\(body)</svg>\(legend)</figure>
            """
    }

    /// Horizontal bars, one per row, with whiskers for intervals.
    static func bars(_ bars: [ChartBar], title: String, format: (Double) -> String = { DashboardFormat.number($0, digits: 3) }) -> HTML {
        let present = bars.flatMap { bar -> [Double] in
            var values: [Double] = []
            if let v = bar.value { values.append(v) }
            if let i = bar.interval { values += [i.lower, i.upper] }
            return values.filter(\.isFinite)
        }
        guard !bars.isEmpty, !present.isEmpty else { return emptyChart(title) }
        let labelWidth = 220.0, plotWidth = 360.0, valueWidth = 280.0, row = 28.0, top = 6.0
        let width = labelWidth + plotWidth + valueWidth
        let height = top * 2 + row * Double(bars.count)
        let (low, high) = niceRange(min(0, present.min()!), max(0, present.max()!))
        func x(_ v: Double) -> Double { labelWidth + plotWidth * (v - low) / (high - low) }
        var body: [HTML] = []
        let zero = x(0)
        for (k, bar) in bars.enumerated() {
            let y = top + row * Double(k)
            let middle = y + row / 2
            body.append("<text class=\"label\" x=\"\(n(labelWidth - 8))\" y=\"\(n(middle + 4))\" text-anchor=\"end\">\(shortened(bar.label))<title>\(bar.label)</title></text>")
            if let value = bar.value, value.isFinite {
                let from = min(zero, x(value)), to = max(zero, x(value))
                body.append(
                    "<rect x=\"\(n(from))\" y=\"\(n(y + 5))\" width=\"\(n(max(1, to - from)))\" height=\"\(n(row - 10))\" fill=\"\(palette[k % palette.count])\" opacity=\"0.8\"><title>\(bar.label): \(format(value))</title></rect>")
            }
            if let interval = bar.interval, interval.lower.isFinite, interval.upper.isFinite {
                let a = x(interval.lower), b = x(interval.upper)
                body.append("<line class=\"whisker\" x1=\"\(n(a))\" y1=\"\(n(middle))\" x2=\"\(n(b))\" y2=\"\(n(middle))\"/>")
                body.append("<line class=\"whisker\" x1=\"\(n(a))\" y1=\"\(n(middle - 6))\" x2=\"\(n(a))\" y2=\"\(n(middle + 6))\"/>")
                body.append("<line class=\"whisker\" x1=\"\(n(b))\" y1=\"\(n(middle - 6))\" x2=\"\(n(b))\" y2=\"\(n(middle + 6))\"/>")
            }
            var text = bar.value.map(format) ?? "no data"
            if let interval = bar.interval { text += " [\(format(interval.lower)), \(format(interval.upper))]" }
            if let note = bar.note { text += " " + note }
            body.append("<text class=\"value\" x=\"\(n(labelWidth + plotWidth + 8))\" y=\"\(n(middle + 4))\">\(text)</text>")
        }
        body.append("<line class=\"axisline\" x1=\"\(n(zero))\" y1=\"\(n(top))\" x2=\"\(n(zero))\" y2=\"\(n(height - top))\"/>")
        let description = bars.map { "\($0.label): \($0.value.map(format) ?? "no data")" }.joined(separator: "; ")
        return """
            <figure class="chart"><svg viewBox="0 0 \(n(width)) \(n(height))" role="img" aria-label="\(title)" xmlns="http://www.w3.org/2000/svg">\
            <title>\(title)</title><desc>\(description)</desc>\(body)</svg></figure>
            """
    }

    static func emptyChart(_ title: String) -> HTML {
        "<p class=\"empty\">\(title): no data yet.</p>"
    }

    private static func legendHTML(_ names: [String]) -> HTML {
        let items = names.enumerated().map { k, name -> HTML in
            "<li><span class=\"swatch\" style=\"background:\(palette[k % palette.count])\"></span>\(name)</li>"
        }
        return "<ul class=\"legend\">\(items)</ul>"
    }

    /// About six evenly spread label positions, always the first and the last.
    static func labelPositions(_ count: Int) -> [Int] {
        guard count > 1 else { return count == 1 ? [0] : [] }
        let step = max(1, (count - 1) / 5)
        var positions = Array(stride(from: 0, to: count - 1, by: step))
        if let last = positions.last, count - 1 - last < step / 2, positions.count > 1 { positions.removeLast() }
        positions.append(count - 1)
        return positions
    }

    /// A range covering [low, high] with round ends; a flat or empty range gets height 1.
    static func niceRange(_ low: Double, _ high: Double) -> (Double, Double) {
        guard high > low else { return (low, low + 1) }
        let raw = (high - low) / 4
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        return (floor(low / step) * step, ceil(high / step) * step)
    }

    private static func shortened(_ label: String) -> String {
        label.count <= 28 ? label : String(label.prefix(27)) + "…"
    }

    /// A coordinate with one decimal.
    private static func n(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
