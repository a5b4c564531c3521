import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation

extension KeysCommand {
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rotate the key that encrypts pseudonymised attributes and re-encrypt every stored value (audited).",
            discussion: """
                A new AES-GCM key becomes current in the data directory's pii-keys.json, every protected \
                attribute of every workspace (each user's declared traits and each source's declaration) \
                is encrypted again under it; older keys stay in the file to read what a server still \
                running with them writes. Matching tokens keep their key, so they still match. \
                Interrupted, run it again. Keys given in ATTUNE_PII_KEYS are rotated where they are kept, \
                not here. Restart a running server afterwards so that it encrypts with the new key, then \
                run `attune keys retire` to remove the older keys.
                """)

        @OptionGroup var data: DataOptions

        func run() async throws {
            let directory = data.resolvedDataDirectory
            let store = try CommandStore.sqliteOnly(
                data.storage, dataDirectory: directory, command: "keys rotate",
                reason: "it rewrites the data directory's key file; on a shared database rotate ATTUNE_PII_KEYS with every process stopped")
            do {
                let report = try await PIIKeyRotation(store: store, clock: SystemClock(), dataDirectory: directory).run(
                    environment: ProcessInfo.processInfo.environment, actor: AuditLog.commandLineActor)
                print(
                    "encryption key \(report.key) is current; re-encrypted the attributes of \(report.users) users "
                        + "and \(report.declarations) per-source declarations")
            } catch let error as AttuneError {
                throw ValidationError(error.message)
            }
        }
    }
}
