import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore

struct WorkspacesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workspaces",
        abstract: "Manage workspaces (tenants).",
        subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a workspace and print its first admin and write keys (shown once).")

        @OptionGroup var data: DataOptions
        @Argument(help: "Workspace name: lowercase letters, digits, - and _.") var name: String

        func validate() throws {
            do {
                _ = try WorkspaceID(validating: name)
            } catch {
                throw ValidationError("workspace name \(error.message)")
            }
        }

        func run() async throws {
            let id = WorkspaceID(unchecked: name)
            try await CommandStore.with(data.storage, dataDirectory: data.resolvedDataDirectory) { opened in
                do {
                    let keys = try await KeyProvisioning(store: opened.store, clock: SystemClock()).createWorkspace(id)
                    print("workspace \(name) created")
                    print("admin key: \(keys.admin)")
                    print("write key: \(keys.write)")
                    print("store these keys now: only their digests are kept")
                } catch let error as AttuneError where error.code == .conflict {
                    throw ValidationError("workspace \(name) already exists")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List workspaces with their keys' handles.")

        @OptionGroup var data: DataOptions

        func run() async throws {
            try await CommandStore.with(data.storage, dataDirectory: data.resolvedDataDirectory) { opened in
                let store = opened.store
                let keys = try await store.keys()
                for workspace in try await store.workspaces() {
                    let stats = try await store.stats(of: workspace)
                    print("\(workspace)\tevents=\(stats.events)\tusers=\(stats.users)\titems=\(stats.items)")
                    for key in keys where key.workspace == workspace {
                        let state = key.revokedAt == nil ? "active" : "revoked"
                        print("  \(key.id)\t\(key.scope.rawValue)\t\(key.label)\t\(state)")
                    }
                }
            }
        }
    }
}
