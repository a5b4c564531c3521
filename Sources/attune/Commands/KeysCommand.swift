import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke API keys; rotate and retire the keys that encrypt personal attributes.",
        discussion: """
            A key is printed once, when it is created; only its SHA-256 digest is stored. A running server \
            picks up new and revoked keys within a second. Every change is written to the audit log.
            """,
        subcommands: [Create.self, List.self, Revoke.self, Rotate.self, Retire.self, Generate.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it (shown once).")

        @OptionGroup var data: DataOptions

        @Option(help: "write (events from browsers), read (recommendations) or admin (everything in the workspace).")
        var scope: String

        @Option(help: "A name to recognise the key by in listings.")
        var label: String = "cli"

        @Option(help: "This key's own limit in requests per second (default: the server's --rate-limit).")
        var rate: Double?

        func validate() throws {
            guard AccessScope(rawValue: scope) != nil else { throw ValidationError("--scope must be read, write or admin") }
            do {
                _ = try WorkspaceID(validating: data.workspace)
            } catch {
                throw ValidationError("--workspace \(error.message)")
            }
            if let rate {
                do {
                    _ = try RateLimit(perSecond: rate, burst: 1)
                } catch {
                    throw ValidationError("--rate \(error.message)")
                }
            }
        }

        func run() async throws {
            try await data.withStore { opened, workspace in
                let administration = KeyAdministration(store: opened.store, clock: SystemClock())
                do {
                    let (key, record) = try await administration.create(
                        workspace: workspace, scope: AccessScope(rawValue: scope) ?? .read,
                        label: label, rate: rate, actor: AuditLog.commandLineActor)
                    print("key \(record.id) created in \(record.workspace) with scope \(record.scope.rawValue)")
                    print(key)
                    print("store this key now: only its digest is kept")
                } catch let error as AttuneError where error.code != .storage {
                    throw ValidationError(error.code == .notFound ? "workspace \(data.workspace) does not exist" : error.message)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never the keys themselves).")

        @Option(name: .customLong("data-dir"), help: "Data directory (default ./attune-data, or ATTUNE_DATA_DIR).")
        var dataDirectory: String?

        @OptionGroup var storage: StoreOptions

        func run() async throws {
            try await CommandStore.with(storage, dataDirectory: DataOptions.resolve(dataDirectory)) { opened in
                let keys = try await opened.store.keys()
                print(["id", "workspace", "scope", "label", "rate", "created", "revoked"].joined(separator: "\t"))
                for key in keys {
                    let rate = key.rate.map { String($0) } ?? "default"
                    let revoked = key.revokedAt?.iso8601 ?? "-"
                    print([key.id, key.workspace.rawValue, key.scope.rawValue, key.label, rate, key.createdAt.iso8601, revoked]
                        .joined(separator: "\t"))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its id (key_…).")

        @Option(name: .customLong("data-dir"), help: "Data directory (default ./attune-data, or ATTUNE_DATA_DIR).")
        var dataDirectory: String?

        @OptionGroup var storage: StoreOptions

        @Argument(help: "The key's id, as `attune keys list` shows it.") var id: String

        func validate() throws {
            guard id.utf8.count <= 64, !id.isEmpty else { throw ValidationError("a key id is at most 64 characters") }
        }

        func run() async throws {
            try await CommandStore.with(storage, dataDirectory: DataOptions.resolve(dataDirectory)) { opened in
                do {
                    let key = try await KeyAdministration(store: opened.store, clock: SystemClock()).revoke(
                        id: id, actor: AuditLog.commandLineActor)
                    print("key \(key.id) of \(key.workspace) revoked")
                } catch let error as AttuneError where error.code != .storage {
                    throw ValidationError(error.code == .notFound ? "no key has the id \(id)" : error.message)
                }
            }
        }
    }
}
