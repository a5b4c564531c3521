import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import Foundation

struct RecommendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Recommend items from the newest trained model.",
        discussion: """
            --all-users writes user_id,item_id,rank (rank 1 is best) for every user the model knows, never \
            an item the user already has. --user prints one user's list; a user the model has not seen gets \
            the most popular items (and says so).
            """)

    @OptionGroup var data: DataOptions
    @Option(help: "One user's recommendations.") var user: String?
    @Flag(help: "Recommendations for every user.") var allUsers = false
    @Option(help: "Items per user (1 to 1000).") var count: Int = 10
    @Option(help: "Output file for --all-users (default: standard output).") var output: String?
    @Option(help: "Model version (default: the newest).") var modelVersion: Int?
    @Option(help: "Worker threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard (1...1_000).contains(count) else { throw ValidationError("--count must be from 1 to 1000") }
        guard (user != nil) != allUsers else { throw ValidationError("give either --user ID or --all-users") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be from 1 to 256") }
    }

    func run() async throws {
        try CommandStore.requireSQLite(
            data.storage, command: "recommend",
            reason: "it reads the models of the data directory; ask a replica (GET /v1/users/{id}/recommendations) instead")
        let workspace: WorkspaceID
        do {
            workspace = try WorkspaceID(validating: data.workspace)
        } catch {
            throw ValidationError("--workspace: \(error.message)")
        }
        let files = ModelFiles(dataDirectory: data.resolvedDataDirectory)
        var snapshot: ModelSnapshot
        if let modelVersion {
            do {
                snapshot = try files.load(version: modelVersion, in: workspace)
            } catch let error as AttuneError {
                throw ValidationError(error.message)
            }
        } else {
            guard let latest = try files.latest(in: workspace) else {
                throw ValidationError("no trained model in \(data.resolvedDataDirectory); run `attune train` first")
            }
            snapshot = latest
        }
        // People without personalization consent (now, not when the model was trained) get no
        // personal list: their rows are out of reach, as after a withdrawal in the server.
        let consent = try await DataDirectory.openStore(data.resolvedDataDirectory).consentSnapshot(in: workspace)
        if let redacted = snapshot.redactingUsers(where: { !consent.permits(.personalization, for: $0) }) { snapshot = redacted }
        let recommender = SnapshotRecommender(snapshot: snapshot)
        if let user {
            let (items, fallback) = recommender.recommend(user: user, count: count)
            if !consent.permits(.personalization, for: user) {
                print("# \(user) has not consented to personalization: most popular items")
            } else if fallback {
                print("# \(user) has no history in model v\(snapshot.version): most popular items")
            }
            for (rank, item) in items.enumerated() { print("\(rank + 1)\t\(item)") }
            return
        }
        var text = "user_id,item_id,rank\n"
        for (user, items) in recommender.recommendAll(count: count, threads: threads) {
            for (rank, item) in items.enumerated() { text += "\(CSVCell.escape(user)),\(CSVCell.escape(item)),\(rank + 1)\n" }
        }
        if let output {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
            print("wrote recommendations for \(snapshot.users.count) users to \(output) (model v\(snapshot.version), \(snapshot.family.rawValue))")
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}

enum CSVCell {
    /// Quotes a cell when it holds a delimiter, a quote or a line break (RFC 4180).
    static func escape(_ cell: String) -> String {
        guard cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
