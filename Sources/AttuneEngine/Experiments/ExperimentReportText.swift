import AttuneCore
import AttuneExperiments
import Foundation

/// The report as a plain-text table for terminals.
package enum ExperimentReportText {
    package static func render(_ report: ExperimentReport, variants: [String], alpha: Double) -> String {
        var lines: [String] = []
        if let srm = report.sampleRatioMismatch {
            lines.append("sample ratio: p = \(fmt(srm.pValue))" + (srm.isMismatch ? "  MISMATCH: the split is not what was configured; do not trust the results" : "  ok"))
        }
        for metric in report.metrics {
            lines.append("")
            lines.append("\(metric.name) (\(metric.kind.rawValue)\(metric.isGuardrail ? ", guardrail" : ""))")
            lines.append(pad(["variant", "units", "value", "interval", "lift", "lift interval", "p", "p (Holm)", "p (always valid)", "P(beat control)"]))
            for (i, arm) in metric.arms.enumerated() {
                let name = i < variants.count ? variants[i] : String(i)
                var cells = [name, String(arm.units), fmt(arm.estimate), interval(arm.interval)]
                if i == 0 {
                    cells += ["control", "", "", "", "", ""]
                } else if let reason = arm.notEnoughData, arm.pValue == nil {
                    cells += ["not enough data: \(reason)", "", "", "", "", ""]
                } else {
                    cells += [
                        arm.relativeLift.map { percent($0.lift) } ?? "-", interval(arm.relativeLift?.interval, percent: true),
                        fmt(arm.pValue), fmt(arm.holmPValue), fmt(arm.sequential?.pValue), fmt(arm.probabilityToBeatControl),
                    ]
                }
                lines.append(pad(cells))
            }
        }
        lines.append("")
        if let power = report.power {
            var line = "power: \(power.requiredUnitsPerArm) units per variant needed; power now \(String(format: "%.1f%%", power.currentPower * 100))"
            if let days = power.remainingDays { line += "; about \(days) more day(s)" }
            if let weeks = power.recommendedWeeks { line += "; run \(weeks) whole week(s)" }
            lines.append(line)
        } else if let reason = report.powerNotAvailable {
            lines.append("power: not available (\(reason))")
        }
        lines.append("significance level \(alpha); the always-valid p-value may be read at any time, the others only once at the planned end")
        return lines.joined(separator: "\n")
    }

    private static func fmt(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        if value != 0 && abs(value) < 0.0001 { return String(format: "%.2e", value) }
        return String(format: "%.4f", value)
    }

    private static func percent(_ value: Double) -> String {
        value.isFinite ? String(format: "%+.2f%%", value * 100) : "-"
    }

    private static func interval(_ interval: ConfidenceInterval?, percent asPercent: Bool = false) -> String {
        guard let interval else { return "-" }
        if asPercent { return "[\(percent(interval.lower)), \(percent(interval.upper))]" }
        return "[\(fmt(interval.lower)), \(fmt(interval.upper))]"
    }

    private static func pad(_ cells: [String]) -> String {
        let widths = [10, 7, 8, 20, 9, 22, 8, 9, 17, 15]
        return zip(cells, widths).map { cell, width in
            cell.count >= width ? cell + " " : cell + String(repeating: " ", count: width - cell.count)
        }.joined()
    }
}
