import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "The rights of the person (export or erase everything held about a user) and merging users.",
        subcommands: [UsersExport.self, UsersErase.self, UsersMerge.self, UsersUnmerge.self])

    /// The user id argument, validated like the API's path parameter.
    static func user(_ raw: String) throws -> UserID {
        do {
            return try UserID.validated(raw, field: "ID")
        } catch {
            throw ValidationError("ID: \(error.message)")
        }
    }
}

struct UsersExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write everything held about a user as one JSON document (audited).",
        discussion: "The model vector comes from the pinned or else the newest stored model. Exits 1 for an unknown user.")

    @OptionGroup var data: DataOptions
    @Argument(help: "The user id.") var id: String
    @Option(help: "Write to this file instead of standard output.") var output: String?

    func validate() throws { _ = try UsersCommand.user(id) }

    func run() async throws {
        let user = try UsersCommand.user(id)
        try await data.withStore { opened, workspace in
            let files = opened.files
            // On PostgreSQL the served version is the database's: copied here first (as a replica does).
            let served = try await opened.copyServedModel(in: workspace)
            var exporter = UserExport(store: opened.store, clock: SystemClock()) { workspace in
                let version = served ?? files.pinnedVersion(in: workspace) ?? files.versions(in: workspace).last
                return version.flatMap { try? files.load(version: $0, in: workspace) }
            }
            exporter.pii = try opened.piiKeysIfPresent().map { PIIProtection(keys: $0) }
            guard let summary = try await exporter.begin(user, in: workspace, actor: AuditLog.commandLineActor) else {
                FileHandle.standardError.write(Data("no data is held about that user\n".utf8))
                throw ExitCode(1)
            }
            let handle: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil, attributes: [.posixPermissions: 0o600]),
                    let file = FileHandle(forWritingAtPath: output)
                else { throw ValidationError("--output: cannot write \(output)") }
                handle = file
            } else {
                handle = FileHandle.standardOutput
            }
            let events = try await exporter.write(summary) { text in handle.write(Data(text.utf8)) }
            handle.write(Data("\n".utf8))
            if output != nil {
                try handle.close()
                print("exported \(events) events to \(output!)")
            }
        }
    }
}

struct UsersErase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase a user everywhere in the workspace and print the receipt (audited).",
        discussion: """
            Deletes the user's events (and those of their linked anonymous ids), profile, declared traits, identity \
            links, segment memberships and experiment exposures, rewrites stored model snapshots without the id, and \
            keeps only its SHA-256 so that later training leaves the user out. A server running on the same data \
            directory stops serving the user's vector at its next model poll. Exits 1 for an unknown user.
            """)

    @OptionGroup var data: DataOptions
    @Argument(help: "The user id.") var id: String

    func validate() throws { _ = try UsersCommand.user(id) }

    func run() async throws {
        let user = try UsersCommand.user(id)
        try await data.withStore { opened, workspace in
            // On PostgreSQL the published versions are redacted in the database, whence every replica copies them again.
            let erasure = UserErasure(
                store: opened.store, clock: SystemClock(), registry: nil, files: opened.files, publisher: opened.publisher)
            guard let receipt = try await erasure.erase(user, in: workspace, actor: AuditLog.commandLineActor) else {
                FileHandle.standardError.write(Data("no data is held about that user\n".utf8))
                throw ExitCode(1)
            }
            // The erasure checkpoints at its best; the command line insists, so the files are clean when it returns.
            try await opened.sqlite?.checkpoint()
            print(receipt.json.serialized())
        }
    }
}
