import AttuneCore
import AttuneExperiments
import Foundation

/// A CSV of unit-level outcomes (`unit_id,variant,converted,value`, header required, extra columns
/// ignored) turned into the analysis' observations: `converted` (0/1, true/false) as a rate and
/// `value` (a number) as a mean per unit. A unit listed twice is refused: units, not rows, are the
/// independent observations.
package struct UnitOutcomeFile: Sendable {
    package var variants: [String]
    package var metrics: [MetricObservations]
    package var rows: Int

    package enum Failure: Error, CustomStringConvertible {
        case header(String)
        case row(line: Int, String)

        package var description: String {
            switch self {
            case .header(let message): "header: \(message)"
            case .row(let line, let message): "line \(line): \(message)"
            }
        }
    }

    /// - Parameters:
    ///   - control: the control variant's name; `control` when such a variant exists, else the first seen.
    /// - Throws: `Failure` with the line of the first bad row.
    package static func parse(_ data: Data, control: String? = nil) throws -> UnitOutcomeFile {
        var header: [String: Int]?
        var order: [String] = []
        var converted: [String: [Double]] = [:]
        var values: [String: [Double]] = [:]
        var units = Set<String>()
        var failure: Failure?
        var rows = 0
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            CSVReader().forEachRecord(in: bytes, onProblem: { problem in
                if failure == nil {
                    switch problem {
                    case .invalidUTF8(let line): failure = .row(line: line, "invalid UTF-8")
                    case .unterminatedQuote(let line): failure = .row(line: line, "unterminated quote")
                    }
                }
            }) { record in
                guard failure == nil else { return }
                guard let columns = header else {
                    var map: [String: Int] = [:]
                    for (i, name) in record.fields.enumerated() { map[name.trimmingCharacters(in: .whitespaces).lowercased()] = i }
                    for needed in ["unit_id", "variant"] where map[needed] == nil {
                        failure = .header("missing column \(needed)")
                    }
                    if map["converted"] == nil && map["value"] == nil {
                        failure = .header("needs a converted or a value column")
                    }
                    header = map
                    return
                }
                if record.fields.count == 1 && record.fields[0].isEmpty { return }
                func field(_ name: String) -> String? {
                    columns[name].flatMap { $0 < record.fields.count ? record.fields[$0].trimmingCharacters(in: .whitespaces) : nil }
                }
                guard let unit = field("unit_id"), !unit.isEmpty else {
                    failure = .row(line: record.line, "unit_id is empty")
                    return
                }
                guard let variant = field("variant"), !variant.isEmpty else {
                    failure = .row(line: record.line, "variant is empty")
                    return
                }
                guard units.insert(unit).inserted else {
                    failure = .row(line: record.line, "unit \(unit) appears twice; give one row per unit")
                    return
                }
                if converted[variant] == nil && values[variant] == nil {
                    order.append(variant)
                    guard order.count <= ExperimentDefinition.maxVariants else {
                        failure = .row(line: record.line, "more than \(ExperimentDefinition.maxVariants) variants")
                        return
                    }
                }
                if columns["converted"] != nil {
                    switch field("converted")?.lowercased() {
                    case "1", "true", "yes": converted[variant, default: []].append(1)
                    case "0", "false", "no", "": converted[variant, default: []].append(0)
                    default:
                        failure = .row(line: record.line, "converted must be 0 or 1")
                        return
                    }
                }
                if columns["value"] != nil {
                    let text = field("value") ?? ""
                    guard let number = text.isEmpty ? 0 : Double(text), number.isFinite else {
                        failure = .row(line: record.line, "value must be a finite number")
                        return
                    }
                    values[variant, default: []].append(number)
                }
                rows += 1
            }
        }
        if let failure { throw failure }
        guard header != nil else { throw Failure.header("the file is empty") }
        let controlName = control ?? (order.contains("control") ? "control" : order.first)
        if let controlName {
            guard let index = order.firstIndex(of: controlName) else { throw Failure.header("no rows for control variant \(controlName)") }
            order.remove(at: index)
            order.insert(controlName, at: 0)
        }
        var metrics: [MetricObservations] = []
        if header?["converted"] != nil {
            metrics.append(MetricObservations(name: "conversion", kind: .binary, values: order.map { converted[$0] ?? [] }))
        }
        if header?["value"] != nil {
            metrics.append(MetricObservations(name: "value", kind: .mean, values: order.map { values[$0] ?? [] }))
        }
        return UnitOutcomeFile(variants: order, metrics: metrics, rows: rows)
    }
}
