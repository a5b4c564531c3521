import ArgumentParser

@main
struct AttuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attune",
        abstract: "A self-hosted personalization engine: events, profiles, recommendations, experiments.",
        subcommands: [
            ServeCommand.self, WorkerCommand.self, ImportCommand.self, TrainCommand.self, RecommendCommand.self, EvaluateCommand.self,
            ModelsCommand.self, ExperimentCommand.self,
            ProfilesCommand.self, UsersCommand.self, RetentionCommand.self, SegmentCommand.self, WorkspacesCommand.self,
            KeysCommand.self, AuditCommand.self, DemoCommand.self,
            BenchCommand.self,
        ])
}

/// Options every data-touching command shares.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (default ./attune-data, or ATTUNE_DATA_DIR).")
    var dataDirectory: String?

    @Option(help: "Workspace to act on.")
    var workspace: String = "default"

    /// `--store postgres://…`: the commands that support it act on that database instead.
    @OptionGroup var storage: StoreOptions

    var resolvedDataDirectory: String { Self.resolve(dataDirectory) }

    /// A `--data-dir` value, else ATTUNE_DATA_DIR, else the default.
    static func resolve(_ dataDirectory: String?) -> String {
        dataDirectory ?? Environment.value("ATTUNE_DATA_DIR") ?? "./attune-data"
    }
}
