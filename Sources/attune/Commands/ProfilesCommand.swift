import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore

struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "Computed user profiles.",
        subcommands: [ProfilesRebuild.self, ProfilesAudit.self])
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

struct ProfilesAudit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check a random sample of streamed profiles against the same profiles folded from their events.",
        discussion: "Exits with status 1 and lists the users whose stored profile differs (fix them with `attune profiles rebuild`).")

    @OptionGroup var data: DataOptions
    @Option(help: "Profiles to check.") var sample = 1_000
    @Option(help: "Seed of the sample (default: random).") var seed: UInt64?

    func validate() throws {
        guard (1...1_000_000).contains(sample) else { throw ValidationError("--sample must be from 1 to 1000000") }
    }

    func run() async throws {
        let (store, workspace) = try ImportOutput.openStore(data)
        let report = try await ProfileDriftAudit(store: store)
            .run(workspace: workspace, sample: sample, seed: seed ?? UInt64.random(in: 0...UInt64.max))
        print("profiles audit: \(report.sampled) of \(report.profiles) profiles checked; \(report.drifted.count) differ from their events")
        for user in report.drifted.prefix(20) { print("  differs: \(user.rawValue)") }
        if !report.drifted.isEmpty { throw ExitCode(1) }
    }
}
