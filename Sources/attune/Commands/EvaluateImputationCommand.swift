import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneML
import Foundation

struct EvaluateImputationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imputation",
        abstract: "Measure k-nearest-neighbour imputation of user attributes on a data set that declares them.",
        discussion: """
            Reads DIR/ml-100k.inter (behaviour) and DIR/ml-100k.user (attributes), hides each attribute of a \
            seeded 20% of the users that declare it, imputes it from the others' behaviour, and compares \
            with guessing without behaviour: numbers by mean absolute error against the donors' mean and \
            median, labels by accuracy against their most common label. Hidden users without an estimate \
            are scored with the mean (or majority) guess.
            """)

    @Option(help: "Directory holding ml-100k.inter and ml-100k.user.") var data: String
    @Option(help: "Comma-separated user attributes (columns of the user file).") var attributes = "age,gender,occupation"
    @Option(help: "Comma-separated neighbour counts.") var k = "20"
    @Option(help: "Comma-separated feature kinds: factors, items.") var features = "factors,items"
    @Option(help: "Seed of the hidden users and of the factors.") var seed: UInt64 = 42
    @Option(help: "Share of the declaring users whose attribute is hidden, in (0, 1).") var hidden = 0.2
    @Option(help: "Worker threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        _ = try ImputeOptions.attributeList(attributes)
        _ = try ImputeOptions.kList(k)
        _ = try Self.kinds(features)
        guard hidden > 0, hidden < 1 else { throw ValidationError("--hidden must be between 0 and 1") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be from 1 to 256") }
    }

    static func kinds(_ text: String) throws -> [ImputationFeatures.Kind] {
        try text.split(separator: ",").map { name in
            guard let kind = ImputationFeatures.Kind(rawValue: String(name)) else {
                throw ValidationError("unknown feature kind \"\(name)\" (use factors or items)")
            }
            return kind
        }
    }

    func run() async throws {
        let base = URL(fileURLWithPath: data)
        let inter = base.appendingPathComponent("ml-100k.inter").path
        let users = base.appendingPathComponent("ml-100k.user").path
        for path in [inter, users] where !FileManager.default.isReadableFile(atPath: path) {
            throw ValidationError("cannot read \(path); fetch it with scripts/fetch-movielens.sh \(data)")
        }
        var evaluation = ImputationEvaluation()
        evaluation.seed = seed
        evaluation.hiddenShare = hidden
        evaluation.threads = threads
        let rows: [ImputationEvaluation.Row]
        do {
            let log = try OfflineEvaluation.readInteractions(path: inter)
            let known = try ImputationEvaluation.readAttributes(path: users, names: ImputeOptions.attributeList(attributes), log: log)
            rows = try evaluation.run(log: log, attributes: known, kinds: Self.kinds(features), ks: ImputeOptions.kList(k))
            print("\(log.users.count) users, \(log.count) interactions; hidden: \(Int(hidden * 100))% of the declaring users, seed \(seed)")
        } catch let failure as ImportFailure {
            throw ValidationError(failure.description)
        } catch let error as AttuneError {
            throw ValidationError(error.reportText)
        }
        print("| attribute | features | k | hidden | estimated | kNN | mean / majority guess | median guess |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for row in rows {
            let measure = row.numeric ? "MAE" : "accuracy"
            print(String(
                format: "| %@ | %@ | %d | %d | %d | %@ %.3f | %.3f | %@ |", row.attribute, row.features.rawValue, row.k, row.hidden,
                row.covered, measure, row.knn, row.baseline, row.medianBaseline.map { String(format: "%.3f", $0) } ?? "-"))
        }
    }
}
