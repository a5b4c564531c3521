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

    static func workspace(_ data: DataOptions) throws -> WorkspaceID {
        do {
            return try WorkspaceID(validating: data.workspace)
        } catch {
            throw ValidationError("--workspace: \(error.message)")
        }
    }

    /// The version a server would serve now: the pinned one, else the newest.
    static func served(_ files: ModelFiles, _ workspace: WorkspaceID) -> Int? {
        files.pinnedVersion(in: workspace) ?? files.versions(in: workspace).last
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Model versions with their family, data and validation metrics.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            let workspace = try ModelsCommand.workspace(data)
            let files = ModelFiles(dataDirectory: data.resolvedDataDirectory)
            let served = ModelsCommand.served(files, workspace)
            let pinned = files.pinnedVersion(in: workspace)
            let versions = files.versions(in: workspace)
            if versions.isEmpty {
                print("no trained models in \(data.resolvedDataDirectory); run `attune train`")
                return
            }
            print("version\tfamily\tcreated\tinteractions\tvalidation NDCG@10\tstate")
            for version in versions {
                let state = version == served ? (pinned == version ? "served (pinned)" : "served") : ""
                do {
                    let snapshot = try files.load(version: version, in: workspace)
                    let m = snapshot.metadata
                    let ndcg: String
                    if case .number(let n)? = m["validation"]?["ndcg@10"] { ndcg = String(format: "%.4f", n) } else { ndcg = "-" }
                    print("v\(version)\t\(snapshot.family.rawValue)\t\(snapshot.createdAt.iso8601)\t\(m["interactions"]?.serialized() ?? "?")\t\(ndcg)\t\(state)")
                } catch {
                    print("v\(version)\t(unreadable: \(error))\t\t\t\t\(state)")
                }
            }
        }
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
            let workspace = try ModelsCommand.workspace(data)
            let pinning = ModelPinning(files: ModelFiles(dataDirectory: data.resolvedDataDirectory))
            do {
                try await pinning.pin(latest ? nil : version, in: workspace)
            } catch let error as AttuneError {
                throw ValidationError(error.message)
            }
            print(latest ? "following the newest version" : "pinned v\(version!); a running server switches within its poll interval")
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pin the version before the one being served.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            let workspace = try ModelsCommand.workspace(data)
            let pinning = ModelPinning(files: ModelFiles(dataDirectory: data.resolvedDataDirectory))
            let rolled: (pinned: Int, was: Int)
            do {
                rolled = try await pinning.rollback(in: workspace)
            } catch let error as AttuneError where error.code == .notFound {
                throw ValidationError("there is no earlier version to roll back to")
            }
            print("pinned v\(rolled.pinned) (was v\(rolled.was)); a running server switches within its poll interval")
        }
    }
}
