import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore

struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "Computed user profiles.",
        subcommands: [ProfilesRebuild.self])
}

struct ProfilesRebuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Recompute every profile from the event log and replace those that differ.",
        discussion: """
            Ingestion updates profiles as events arrive; this folds the whole log again in order, with \
            the catalogue's current categories and tags. --check only compares and reports the users \
            whose stored profile differs (drift), changing nothing; it exits with status 1 when any does.
            """)

    @OptionGroup var data: DataOptions
    @Flag(help: "Compare only; write nothing.") var check = false

    func run() async throws {
        let (store, workspace) = try ImportOutput.openStore(data)
        let report = try await ProfileRebuild(store: store, clock: SystemClock()).run(workspace: workspace, write: !check)
        print("profiles: \(report.users) users from \(report.events) events; \(report.driftedCount) differ from the stored ones"
            + (check ? "" : "; \(report.written) rewritten"))
        for user in report.drifted.prefix(10) { print("  differs: \(user.rawValue)") }
        if check && report.driftedCount > 0 { throw ExitCode(1) }
    }
}
