import ArgumentParser
import AttuneCore
import AttuneEngine
import Foundation

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List trained model versions and choose which one the server serves.",
        discussion: """
            By default a running server serves the newest version, unless it is worse on validation than \
            the served one by more than the promotion margin. `promote V` pins a version; `promote --latest` \
            returns to following the newest; `rollback` pins the version before the one being served.
            """,
        subcommands: [List.self, Promote.self, Rollback.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Model versions with their family, data and validation metrics.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await data.withStore { opened, workspace in
                let pinning = opened.pinning
                let versions = try await pinning.versions(in: workspace)
                let pinned = try await pinning.pinnedVersion(in: workspace)
                let served = pinned ?? versions.last
                if versions.isEmpty {
                    let place = opened.isShared ? "the database" : data.resolvedDataDirectory
                    print("no trained models in \(place); run `attune train`")
                    return
                }
                print("version\tfamily\tcreated\tinteractions\tvalidation NDCG@10\tstate")
                for version in versions {
                    let state = version == served ? (pinned == version ? "served (pinned)" : "served") : ""
                    do {
                        guard let summary = try await opened.summary(version, workspace) else {
                            print("v\(version)\t(missing)\t\t\t\t\(state)")
                            continue
                        }
                        let m = summary.metadata
                        let ndcg: String
                        if case .number(let n)? = m["validation"]?["ndcg@10"] { ndcg = String(format: "%.4f", n) } else { ndcg = "-" }
                        print("v\(version)\t\(summary.family)\t\(summary.createdAt.iso8601)\t\(m["interactions"]?.serialized() ?? "?")\t\(ndcg)\t\(state)")
                    } catch let error as AttuneError where error.code == .storage {
                        throw error
                    } catch {
                        print("v\(version)\t(unreadable: \(error))\t\t\t\t\(state)")
                    }
                }
            }
        }
    }

    /// How soon a running server serves the new choice.
    static func switchNote(_ opened: CommandStore) -> String {
        opened.isShared ? "every replica switches within seconds" : "a running server switches within its poll interval"
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pin a version (or --latest to follow the newest again).")
        @OptionGroup var data: DataOptions
        @Argument(help: "The version to serve.") var version: Int?
        @Flag(help: "Remove the pin: serve the newest acceptable version.") var latest = false

        func validate() throws {
            guard (version != nil) != latest else { throw ValidationError("give a version or --latest") }
        }

        func run() async throws {
            try await data.withStore { opened, workspace in
                do {
                    try await opened.pinning.pin(latest ? nil : version, in: workspace)
                } catch let error as AttuneError where error.code != .storage {
                    throw ValidationError(error.message)
                }
                print(latest ? "following the newest version" : "pinned v\(version!); \(ModelsCommand.switchNote(opened))")
            }
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pin the version before the one being served.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await data.withStore { opened, workspace in
                let rolled: (pinned: Int, was: Int)
                do {
                    rolled = try await opened.pinning.rollback(in: workspace)
                } catch let error as AttuneError where error.code == .notFound {
                    throw ValidationError("there is no earlier version to roll back to")
                }
                print("pinned v\(rolled.pinned) (was v\(rolled.was)); \(ModelsCommand.switchNote(opened))")
            }
        }
    }
}
