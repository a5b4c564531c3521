import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird

/// `GET /dashboard/experiments[?key=]`: the experiments, and one experiment's read-out from the
/// same results service as `GET /v1/experiments/{key}/results` (drawn from its JSON, so the page
/// and the API cannot disagree): per-variant values with intervals, sample ratio mismatch, power
/// and run time, and the bandit's split.
enum ExperimentsPage {
    @Sendable static func render(_ context: DashboardContext, _ request: Request) async throws -> HTML {
        let service = context.dependencies.experiments
        let all = try await service.experiments(in: context.workspace)
        var body: HTML = .empty
        if let raw = request.uri.queryParameters[values: "key"].first.map(String.init), !raw.isEmpty {
            body.append(try await detail(raw, context))
            body.append("<h2>All experiments</h2>")
        }
        guard !all.isEmpty else {
            body.append("<p class=\"empty\">No experiments yet. Create one with <code>POST /v1/experiments</code> or <code>attune experiment create</code>.</p>")
            return body
        }
        body.append(DashboardLayout.table(
            ["experiment", "name", "status", "variants", "allocation", "started"],
            all.map { e -> [HTML] in
                [
                    "<a href=\"/dashboard/experiments?key=\(HTML.queryValue(e.key.rawValue))\">\(e.key.rawValue)</a>", "\(e.name)",
                    "\(e.status.rawValue)\(e.stopReason.map { " (\($0))" } ?? "")",
                    "\(e.variants.map(\.key).joined(separator: ", "))", "\(e.allocation.rawValue)",
                    "\(e.startedAt.map(DashboardFormat.time) ?? "–")",
                ]
            },
            empty: ""))
        return body
    }

    private static func detail(_ raw: String, _ context: DashboardContext) async throws -> HTML {
        let key: ExperimentKey
        do {
            key = try ExperimentKey.validated(raw, field: "key")
        } catch {
            return "<p class=\"error\">Not an experiment key: \(error.message)</p>"
        }
        let results: ExperimentResults
        do {
            results = try await context.dependencies.experiments.results(of: key, in: context.workspace)
        } catch let error as AttuneError where error.code == .notFound {
            return "<p class=\"error\">No experiment <code>\(key.rawValue)</code> in this workspace.</p>"
        }
        let definition = results.definition
        let variants = definition.variants.map(\.key)
        let json = results.report.json(variants: variants)
        var body: HTML = "<h2>\(definition.name) <span class=\"muted\"><code>\(definition.key.rawValue)</code> · \(definition.status.rawValue)</span></h2>"
        body.append("<p class=\"muted\">Computed \(DashboardFormat.time(results.computedAt)); the first variant, <strong>\(variants.first ?? "")</strong>, is the control.</p>")

        let units = json["units"]?.arrayValue ?? []
        body.append(DashboardLayout.cards(
            units.map { u in ("units in \(u["variant"]?.stringValue ?? "?")", DashboardFormat.number(u["units"]?.numberValue, digits: 0)) }))

        body.append("<h2>Sample ratio</h2>")
        if let srm = json["sampleRatioMismatch"], srm != .null {
            let p = srm["pValue"]?.numberValue
            if srm["mismatch"] == .bool(true) {
                let threshold = DashboardFormat.number(srm["threshold"]?.numberValue, digits: 4)
                body.append("""
                    <p class="bad">Sample ratio mismatch: p = \(DashboardFormat.number(p, digits: 6)) below \(threshold). \
                    The split is not what was configured; do not trust these results until the assignment is fixed.</p>
                    """)
            } else {
                body.append("<p class=\"ok\">No sample ratio mismatch (p = \(DashboardFormat.number(p, digits: 4))).</p>")
            }
        } else {
            body.append("<p class=\"empty\">Not checked yet: too few units.</p>")
        }

        body.append("<h2>Power and run time</h2>")
        if let power = json["power"], power != .null {
            body.append(DashboardLayout.cards([
                ("units needed per variant", DashboardFormat.number(power["requiredUnitsPerVariant"]?.numberValue, digits: 0)),
                ("power so far", DashboardFormat.percent(power["currentPower"]?.numberValue)),
                ("days to go", DashboardFormat.number(power["remainingDays"]?.numberValue, digits: 0)),
                ("recommended run (weeks)", DashboardFormat.number(power["recommendedWeeks"]?.numberValue, digits: 0)),
            ]))
        } else {
            body.append("<p class=\"empty\">Not available\(json["powerNotAvailable"]?.stringValue.map { ": \($0)" } ?? "").</p>")
        }

        for metric in json["metrics"]?.arrayValue ?? [] {
            let name = metric["name"]?.stringValue ?? "?"
            let guardrail = metric["guardrail"] == .bool(true)
            body.append("<h2>\(guardrail ? "Guardrail" : "Metric") <code>\(name)</code> <span class=\"muted\">(\(metric["kind"]?.stringValue ?? ""))</span></h2>")
            let arms = metric["variants"]?.arrayValue ?? []
            body.append(SVGChart.bars(
                arms.map { arm in
                    let interval = arm["interval"]?.arrayValue
                    return ChartBar(
                        label: arm["variant"]?.stringValue ?? "?", value: arm["value"]?.numberValue,
                        interval: interval.flatMap { i in
                            guard i.count == 2, let l = i[0].numberValue, let u = i[1].numberValue else { return nil }
                            return (l, u)
                        },
                        note: "n = \(DashboardFormat.number(arm["units"]?.numberValue, digits: 0))")
                },
                title: "\(name) per variant with 95% confidence intervals", format: { DashboardFormat.number($0, digits: 4) }))
            body.append(DashboardLayout.table(
                ["variant", "value", "difference", "relative lift", "p", "always-valid p", "P(beats control)", "note"],
                arms.map { arm -> [HTML] in
                    let lift = arm["relativeLift"]?["value"]?.numberValue
                    var note: [String] = []
                    if let reason = arm["notEnoughData"]?.stringValue { note.append("not enough data: \(reason)") }
                    if arm["guardrailBreached"] == .bool(true) { note.append("guardrail breached") }
                    if arm["sequential"]?["significant"] == .bool(true) { note.append("significant") }
                    return [
                        "\(arm["variant"]?.stringValue ?? "?")", "\(DashboardFormat.number(arm["value"]?.numberValue))",
                        "\(DashboardFormat.number(arm["difference"]?.numberValue))", "\(DashboardFormat.percent(lift))",
                        "\(DashboardFormat.number(arm["pValue"]?.numberValue))",
                        "\(DashboardFormat.number(arm["sequential"]?["pValue"]?.numberValue))",
                        "\(DashboardFormat.percent(arm["probabilityToBeatControl"]?.numberValue))",
                        arm["guardrailBreached"] == .bool(true)
                            ? "<span class=\"bad\">\(note.joined(separator: "; "))</span>" : "\(note.joined(separator: "; "))",
                    ]
                },
                empty: "No data yet."))
        }

        body.append("<h2>Traffic split</h2>")
        let current = definition.currentWeights
        let total = max(current.reduce(0, +), .leastNonzeroMagnitude)
        let state =
            definition.allocation == .fixed
            ? " (configured weights)"
            : definition.banditUpdatedAt.map { ", bandit updated \(DashboardFormat.time($0))" }
                ?? ", bandit not updated yet (configured weights apply)"
        body.append("<p class=\"muted\">Allocation: \(definition.allocation.rawValue)\(state).</p>")
        body.append(SVGChart.bars(
            zip(variants, current).map { ChartBar(label: $0, value: $1 / total) },
            title: "Share of new units per variant", format: { DashboardFormat.percent($0) }))
        if !definition.banditContextWeights.isEmpty {
            let names = Dictionary(
                try await context.dependencies.store.segments(in: context.workspace).map { ($0.id.rawValue, $0.name) },
                uniquingKeysWith: { first, _ in first })
            body.append("<p class=\"muted\">Per context: a unit's context is the first listed segment it is in, else <code>*</code> (everyone else).</p>")
            body.append(DashboardLayout.table(
                ["context"] + variants,
                definition.banditContextWeights.sorted { $0.key < $1.key }.map { key, weights -> [HTML] in
                    let sum = max(weights.reduce(0, +), .leastNonzeroMagnitude)
                    let label: HTML = names[key].map { "\($0) <span class=\"muted\"><code>\(key)</code></span>" } ?? "<code>\(key)</code>"
                    return [label] + weights.map { "\(DashboardFormat.percent($0 / sum))" }
                },
                empty: ""))
        }
        if !results.actions.isEmpty {
            body.append("<h2>Automatic actions</h2>")
            body.append(DashboardLayout.table(
                ["time", "action", "evidence"],
                results.actions.map { a -> [HTML] in ["\(DashboardFormat.time(a.time))", "\(a.action)", "\(a.evidence)"] },
                empty: ""))
        }
        return body
    }
}

extension JSONValue {
    fileprivate var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    fileprivate var numberValue: Double? {
        if case .number(let n) = self { return n }
        return nil
    }
}
