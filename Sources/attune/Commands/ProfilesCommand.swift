import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation

struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "Computed user profiles.",
        subcommands: [ProfilesRebuild.self, ProfilesAudit.self, ProfilesImpute.self])
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
        try await data.withStore { opened, workspace in
            let store = opened.store
            let report = try await ProfileRebuild(store: store, clock: SystemClock()).run(workspace: workspace, write: !check)
            print("profiles: \(report.users) users from \(report.events) events; \(report.driftedCount) differ from the stored ones"
                + (check ? "" : "; \(report.written) rewritten"))
            for user in report.drifted.prefix(10) { print("  differs: \(user.rawValue)") }
            if check && report.driftedCount > 0 { throw ExitCode(1) }
        }
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
        try await data.withStore { opened, workspace in
            let store = opened.store
            let report = try await ProfileDriftAudit(store: store)
                .run(workspace: workspace, sample: sample, seed: seed ?? UInt64.random(in: 0...UInt64.max))
            print("profiles audit: \(report.sampled) of \(report.profiles) profiles checked; \(report.drifted.count) differ from their events")
            for user in report.drifted.prefix(20) { print("  differs: \(user.rawValue)") }
            if !report.drifted.isEmpty { throw ExitCode(1) }
        }
    }
}

struct ProfilesImpute: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "impute",
        abstract: "Estimate declared attributes that users have not given, from the users whose behaviour is most alike.",
        discussion: """
            For each attribute, every user with behaviour who has not declared it gets the similarity-weighted \
            mean (numbers) or vote (anything else) of the k users with the most similar behaviour who have, \
            with a confidence in [0, 1]. Estimates are stored apart from declared values, shown under \
            `imputed` in GET /v1/users/{id}, and a value the user declares always wins. Each run replaces \
            the previous estimates of the attributes it names.
            """)

    @OptionGroup var data: DataOptions
    @Option(help: "Comma-separated declared attributes, such as age,gender.") var attributes: String
    @Option(help: "Neighbours per estimate.") var k = 20
    @Option(help: "Seed of the behaviour factors.") var seed: UInt64 = 42
    @Option(help: "Worker threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        _ = try ImputeOptions.attributeList(attributes)
        guard (1...1_000).contains(k) else { throw ValidationError("--k must be from 1 to 1000") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be from 1 to 256") }
    }

    func run() async throws {
        try await data.withStore { opened, workspace in
            let store = opened.store
            let report: ProfileImputation.Report
            do {
                report = try await ProfileImputation(store: store, clock: SystemClock())
                    .run(workspace: workspace, attributes: ImputeOptions.attributeList(attributes), k: k, seed: seed, threads: threads)
            } catch let error as AttuneError {
                throw ValidationError(error.reportText)
            }
            print("imputation over \(report.users) users with behaviour, k = \(k)")
            for row in report.attributes {
                print("  \(row.name): \(row.declared) declared, \(row.imputed) imputed, \(row.unmatched) without a similar donor")
            }
        }
    }
}
