import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import Foundation

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a recommender on everything imported into the data directory and save a versioned snapshot.",
        discussion: """
            Hyper-parameters are chosen automatically on a validation split carved from the data (each \
            user's last 10 items), within --time-budget seconds, then the winner is refitted on all the \
            data. The default, hybrid, blends the best model of every family with weights learned on that \
            split; --model best keeps the single best family. The content model uses the catalogue's text.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: "Model family: \(ModelFamily.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: String = ModelFamily.hybrid.rawValue

    @Option(help: "Seconds to spend on tuning (each family always gets one candidate).")
    var timeBudget: Double = 60

    @Option(help: "Worker threads.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "One candidate per family (fast, for tests and previews).")
    var quick = false

    func validate() throws {
        guard ModelFamily(rawValue: model) != nil else {
            throw ValidationError("unknown model \"\(model)\"; choose one of \(ModelFamily.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard timeBudget >= 0, timeBudget <= 86_400 else { throw ValidationError("--time-budget must be from 0 to 86400 seconds") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be from 1 to 256") }
    }

    func run() async throws {
        let (store, workspace) = try data.sqliteOnly(
            command: "train", reason: "on a shared database the leading `attune worker` trains and publishes models")
        var tuner = ModelTuner()
        tuner.threads = threads
        tuner.quick = quick
        tuner.timeBudget = .milliseconds(Int64(timeBudget * 1000))
        let training = ModelTraining(store: store, files: ModelFiles(dataDirectory: data.resolvedDataDirectory), clock: SystemClock())
        let snapshot: ModelSnapshot
        do {
            snapshot = try await training.run(workspace: workspace, family: ModelFamily(rawValue: model)!, tuner: tuner)
        } catch let error as AttuneError {
            throw ValidationError(error.message)
        }
        let m = snapshot.metadata
        print("model v\(snapshot.version): \(snapshot.family.rawValue) \(m["parameters"]?.serialized() ?? "{}")")
        print("data: \(m["interactions"]?.serialized() ?? "?") interactions, \(snapshot.users.count) users, \(snapshot.items.count) items")
        if let v = m["validation"] {
            print("validation (\(m["validationUsers"]?.serialized() ?? "?") users): \(v.serialized())")
        } else if quick {
            print("validation: skipped (--quick: one candidate per family)")
        } else {
            print("validation: too little data to tune (fewer than 10 users with held-out items); defaults used")
        }
        print("tuning \(m["tuningSeconds"]?.serialized() ?? "?") s over \(m["candidatesTried"]?.serialized() ?? "?") candidates, training \(m["trainingSeconds"]?.serialized() ?? "?") s")
    }
}
