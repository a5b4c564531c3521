import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation

struct UsersMerge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge users into one person, as POST /v1/users/merge does (audited).",
        discussion: """
            Events, anonymous links and the profile move to the canonical user (--canonical, else the one known \
            first); the other ids become aliases. Undo with `attune users unmerge`.
            """)

    @OptionGroup var data: DataOptions
    @Argument(help: "Two or more user ids.") var ids: [String]
    @Option(help: "The user to keep (one of the ids).") var canonical: String?

    func validate() throws {
        guard ids.count >= 2 else { throw ValidationError("name at least two users") }
        for id in ids { _ = try UsersCommand.user(id) }
        if let canonical { _ = try UsersCommand.user(canonical) }
    }

    func run() async throws {
        try await data.withStore { opened, workspace in
            let identity = try UsersMerge.identity(opened)
            let outcome = try await identity.merge(
                try ids.map(UsersCommand.user), canonical: try canonical.map(UsersCommand.user), in: workspace,
                actor: AuditLog.commandLineActor)
            for merge in outcome.merges { print("merge \(merge.id): \(merge.merged) into \(merge.canonical)") }
        }
    }

    static func identity(_ opened: CommandStore) throws -> IdentityResolution {
        IdentityResolution(store: opened.store, clock: SystemClock(), keys: try opened.piiKeys())
    }
}

struct UsersUnmerge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unmerge",
        abstract: "Undo a merge, as POST /v1/users/{id}/unmerge does (audited).",
        discussion: "Without --merge: the merge that brought ID in, or the last merge into ID.")

    @OptionGroup var data: DataOptions
    @Argument(help: "The user id.") var id: String
    @Option(help: "The id of the merge to undo.") var merge: Int64?

    func validate() throws {
        _ = try UsersCommand.user(id)
        if let merge, merge <= 0 { throw ValidationError("--merge must be a positive merge id") }
    }

    func run() async throws {
        try await data.withStore { opened, workspace in
            let undone = try await UsersMerge.identity(opened).unmerge(
                try UsersCommand.user(id), merge: merge, in: workspace, actor: AuditLog.commandLineActor)
            print("undid merge \(undone.id): \(undone.merged) is separate from \(undone.canonical) again")
        }
    }
}
