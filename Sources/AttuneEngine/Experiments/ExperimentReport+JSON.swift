import AttuneCore
import AttuneExperiments

/// The report as JSON: every number finite or `null`, every missing comparison with its reason.
extension ExperimentReport {
    package func json(variants: [String]) -> JSONValue {
        let units: [JSONValue] = unitsPerArm.enumerated().map { i, n in
            .object([("variant", .string(name(i, variants))), ("units", .number(Double(n)))])
        }
        var srm = JSONValue.null
        if let s = sampleRatioMismatch {
            srm = .object([
                ("pValue", number(s.pValue)), ("chiSquare", number(s.chiSquare)), ("mismatch", .bool(s.isMismatch)),
                ("threshold", number(SampleRatioMismatch.defaultThreshold)),
            ])
        }
        let metricValues: [JSONValue] = metrics.map { metric in
            let arms: [JSONValue] = metric.arms.enumerated().map { i, arm in arm.json(variant: name(i, variants)) }
            return .object([
                ("name", .string(metric.name)), ("kind", .string(metric.kind.rawValue)),
                ("guardrail", .bool(metric.isGuardrail)), ("variants", .array(arms)),
            ])
        }
        var powerValue = JSONValue.null
        if let p = power {
            let remaining: JSONValue = p.remainingDays.map { .number(Double($0)) } ?? .null
            let weeks: JSONValue = p.recommendedWeeks.map { .number(Double($0)) } ?? .null
            powerValue = .object([
                ("requiredUnitsPerVariant", .number(Double(p.requiredUnitsPerArm))), ("currentPower", number(p.currentPower)),
                ("remainingDays", remaining), ("recommendedWeeks", weeks),
            ])
        }
        return .object([
            ("units", .array(units)), ("sampleRatioMismatch", srm), ("metrics", .array(metricValues)),
            ("power", powerValue), ("powerNotAvailable", powerNotAvailable.map(JSONValue.string) ?? .null),
        ])
    }

    private func name(_ index: Int, _ variants: [String]) -> String {
        index < variants.count ? variants[index] : String(index)
    }
}

extension ArmResult {
    func json(variant: String) -> JSONValue {
        var lift = JSONValue.null
        if let l = relativeLift {
            lift = .object([("value", number(l.lift)), ("interval", intervalJSON(l.interval)), ("pValue", number(l.pValue))])
        }
        var seq = JSONValue.null
        if let s = sequential {
            seq = .object([("pValue", number(s.pValue)), ("interval", intervalJSON(s.interval)), ("significant", .bool(s.rejectsNull))])
        }
        let range: JSONValue = interval.map(intervalJSON) ?? .null
        let members: [(key: String, value: JSONValue)] = [
            ("variant", .string(variant)), ("units", .number(Double(units))), ("value", number(estimate)),
            ("interval", range), ("difference", number(difference)), ("relativeLift", lift),
            ("pValue", number(pValue)), ("pValueHolm", number(holmPValue)), ("pValueFDR", number(fdrPValue)),
            ("sequential", seq), ("probabilityToBeatControl", number(probabilityToBeatControl)),
            ("expectedLoss", number(expectedLoss)), ("cupedVarianceReduction", number(cupedVarianceReduction)),
            ("preExperimentBalance", number(preExperimentBalance)),
            ("guardrailBreached", .bool(guardrailBreached)),
            ("notEnoughData", notEnoughData.map(JSONValue.string) ?? .null),
        ]
        return .object(members)
    }
}

private func number(_ value: Double?) -> JSONValue {
    guard let value, value.isFinite else { return .null }
    return .number(value)
}

private func intervalJSON(_ interval: ConfidenceInterval) -> JSONValue {
    guard interval.lower.isFinite, interval.upper.isFinite else { return .null }
    return .array([.number(interval.lower), .number(interval.upper)])
}
