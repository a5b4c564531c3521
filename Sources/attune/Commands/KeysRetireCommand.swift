import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation

extension KeysCommand {
    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the encryption keys older than the current one, after encrypting again what is still under them (audited).",
            discussion: """
                Run it after `attune keys rotate` once every server has restarted with the new key: \
                whatever a server wrote with an older key meanwhile is encrypted again under the current \
                one, then the older keys are removed from pii-keys.json. A process still encrypting with \
                a removed key would write values nobody can read. Interrupted, run it again.
                """)

        @OptionGroup var data: DataOptions

        func run() async throws {
            let directory = data.resolvedDataDirectory
            let store = try CommandStore.sqliteOnly(
                data.storage, dataDirectory: directory, command: "keys retire",
                reason: "it rewrites the data directory's key file, which processes on a shared database do not use")
            do {
                let report = try await PIIKeyRotation(store: store, clock: SystemClock(), dataDirectory: directory).retire(
                    environment: ProcessInfo.processInfo.environment, actor: AuditLog.commandLineActor)
                let retired = report.retired.isEmpty ? "none" : report.retired.joined(separator: ", ")
                print(
                    "encryption key \(report.key) is the only one; retired: \(retired); re-encrypted the attributes of "
                        + "\(report.users) users and \(report.declarations) per-source declarations")
            } catch let error as AttuneError {
                throw ValidationError(error.message)
            }
        }
    }
}
