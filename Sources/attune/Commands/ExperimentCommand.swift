import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneExperiments
import Foundation

struct ExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Plan experiments and analyse their outcomes.",
        subcommands: [ExperimentAnalyze.self, ExperimentPlan.self])
}

struct ExperimentAnalyze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyse a CSV of unit-level outcomes: unit_id,variant,converted,value.",
        discussion: """
            One row per unit. converted is 0/1 (a rate); value is a number per unit (a mean, e.g. revenue \
            per user). Each variant is compared with the control: interval, lift, p-values (fixed-horizon, \
            Holm, FDR and always-valid), probability to beat control, plus a sample-ratio-mismatch check \
            against the expected split and the power reached for --mde.
            """)

    @Argument(help: "The CSV file.") var file: String
    @Option(help: "The control variant (default: 'control' if present, else the first variant in the file).") var control: String?
    @Option(help: "Expected split, comma-separated in file order with the control first (default: equal).") var weights: String?
    @Option(help: "Significance level.") var alpha: Double = 0.05
    @Option(help: "Relative minimum detectable effect on the first metric, for power.") var mde: Double = 0.05
    @Flag(help: "Print the full report as JSON.") var json = false

    func run() async throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ValidationError("cannot read \(file): \(error.localizedDescription)")
        }
        let parsed: UnitOutcomeFile
        do {
            parsed = try UnitOutcomeFile.parse(data, control: control)
        } catch {
            throw ValidationError("\(file): \(error)")
        }
        var split = BucketRange.equalWeights(parsed.variants.count)
        if let weights {
            let numbers = weights.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard numbers.count == parsed.variants.count, numbers.allSatisfy({ ($0 ?? -1) > 0 }) else {
                throw ValidationError("--weights needs \(parsed.variants.count) positive numbers, control first")
            }
            let total = numbers.reduce(0) { $0 + ($1 ?? 0) }
            split = numbers.map { ($0 ?? 0) / total }
        }
        guard alpha > 0, alpha < 0.5 else { throw ValidationError("--alpha must lie in (0, 0.5)") }
        guard mde > 0, mde.isFinite else { throw ValidationError("--mde must be positive") }
        let report = try ExperimentAnalysis.analyze(
            parsed.metrics, settings: AnalysisSettings(alpha: alpha, weights: split, minimumDetectableEffect: mde))
        if json {
            print(report.json(variants: parsed.variants).serialized())
            return
        }
        print("\(parsed.rows) units in \(parsed.variants.count) variants; control: \(parsed.variants.first ?? "-")")
        print(ExperimentReportText.render(report, variants: parsed.variants, alpha: alpha))
    }
}

struct ExperimentPlan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Units per variant needed to detect a relative change in a conversion rate, and the run time.")

    @Option(help: "Control conversion rate, e.g. 0.05.") var baseline: Double
    @Option(help: "Relative minimum detectable effect, e.g. 0.1 for +10%.") var mde: Double
    @Option(help: "Two-sided significance level.") var alpha: Double = 0.05
    @Option(help: "Power (1 - beta).") var power: Double = 0.8
    @Option(help: "Number of variants, control included.") var variants: Int = 2
    @Option(help: "Eligible units per day, for the run time.") var dailyUnits: Double?
    @Option(help: "Share of eligible traffic enrolled.") var coverage: Double = 1

    func run() async throws {
        guard variants >= 2, variants <= ExperimentDefinition.maxVariants else {
            throw ValidationError("--variants must be 2 to \(ExperimentDefinition.maxVariants)")
        }
        do {
            let normal = try PowerAnalysis.sampleSizePerArm(baseline: baseline, relativeEffect: mde, alpha: alpha, power: power, method: .pooledNormal)
            let cohen = try PowerAnalysis.sampleSizePerArm(baseline: baseline, relativeEffect: mde, alpha: alpha, power: power, method: .cohensH)
            let h = PowerAnalysis.cohensH(baseline, baseline * (1 + mde))
            print("baseline \(baseline), minimum detectable effect \(mde * 100)% relative (\(baseline) -> \(String(format: "%.6g", baseline * (1 + mde)))), alpha \(alpha), power \(power)")
            print("units per variant: \(Int(normal.rounded(.up))) (normal approximation), \(Int(cohen.rounded(.up))) (Cohen's h = \(String(format: "%.4f", h)))")
            print("units in all: \(Int(normal.rounded(.up)) * variants) over \(variants) variants")
            if let dailyUnits {
                switch try RuntimeEstimate.estimate(sampleSizePerArm: normal, arms: variants, dailyTraffic: dailyUnits, trafficShare: coverage) {
                case .computed(let runtime):
                    print("run time: \(runtime.days) days at \(dailyUnits) units/day x \(coverage) coverage; run \(runtime.weeks) whole week(s) for weekly seasonality")
                case .notEnoughData:
                    print("run time: no traffic")
                }
            }
        } catch {
            throw ValidationError(error.description)
        }
    }
}
