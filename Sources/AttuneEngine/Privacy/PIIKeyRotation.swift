import AttuneCore
import AttuneStore

/// `attune keys rotate` and `attune keys retire`: a new encryption key becomes current and every
/// protected value of every workspace is encrypted again under it, wherever it is stored (each
/// user's resolved declared traits and each source's declaration, see ``ProtectedValueStore``).
/// The matching key stays: events and identifiers hold only its tokens, with no value to compute a
/// new token from, so it cannot rotate, and tokens keep matching.
///
/// Rotation keeps the older encryption keys in the file: a server started before it still
/// encrypts with the key it loaded until it restarts, and those values must stay readable.
/// Retiring, once every process runs with the new key, encrypts those stragglers again and then
/// removes every key but the current one. Both can simply be run again when interrupted.
package struct PIIKeyRotation: Sendable {
    package struct Report: Sendable, Equatable {
        /// The current key's id.
        package var key: String
        /// Users whose resolved declared traits were encrypted again.
        package var users = 0
        /// Per-source declarations encrypted again.
        package var declarations = 0
        /// The key ids removed from the file (``retire(environment:actor:)`` only).
        package var retired: [String] = []
    }

    let store: any ProtectedValueStore & WorkspaceStore & AuditStore
    let clock: any WallClock
    let dataDirectory: String

    package init(store: any ProtectedValueStore & WorkspaceStore & AuditStore, clock: any WallClock, dataDirectory: String) {
        self.store = store
        self.clock = clock
        self.dataDirectory = dataDirectory
    }

    /// - Returns: the new key's id and how many stored texts were encrypted again.
    /// - Throws: `AttuneError` when the keys come from the environment (the file is what rotates).
    package func run(environment: [String: String], actor: String) async throws -> Report {
        try refuseEnvironmentKeys(environment)
        let keys = try PIIKeys.load(dataDirectory: dataDirectory, environment: [:]).rotated()
        try keys.save(dataDirectory: dataDirectory)
        let report = try await reencryptEverything(under: keys)
        try await AuditLog(store: store, clock: clock).record(
            .piiKeyRotated, actor: actor,
            detail: "key=\(keys.current) users=\(report.users) declarations=\(report.declarations)")
        return report
    }

    /// Encrypts again under the current key whatever is still under an older one, then removes
    /// the older keys from the file. Run it after every server has restarted with the new key: a
    /// process still encrypting with a retired key would write values nobody can read.
    /// - Throws: `AttuneError` when the keys come from the environment.
    package func retire(environment: [String: String], actor: String) async throws -> Report {
        try refuseEnvironmentKeys(environment)
        let keys = try PIIKeys.load(dataDirectory: dataDirectory, environment: [:])
        let retiring = Set(keys.encryption.keys.filter { $0 != keys.current })
        // A process still on an old key may write behind the pass's cursor: the pass is repeated
        // until nothing stored is under a retiring key, and a writer that keeps at it stops the
        // retirement instead of losing its values for good.
        var report = Report(key: keys.current)
        var left = 0
        for _ in 0..<Self.retirementPasses {
            let pass = try await reencryptEverything(under: keys)
            report.users += pass.users
            report.declarations += pass.declarations
            left = try await valuesUnder(retiring, keys: keys)
            if left == 0 { break }
        }
        guard left == 0 else {
            throw AttuneError(
                code: .conflict,
                message: "\(left) stored declared-traits rows are still written under a key being retired after "
                    + "\(Self.retirementPasses) passes: a process still encrypts with an old key; restart it with the "
                    + "current keys and retire again (no key was removed)")
        }
        report.retired = retiring.sorted()
        var kept = keys
        kept.encryption = keys.encryption.filter { $0.key == keys.current }
        try kept.save(dataDirectory: dataDirectory)
        try await AuditLog(store: store, clock: clock).record(
            .piiKeysRetired, actor: actor,
            detail: "key=\(keys.current) retired=\(report.retired.joined(separator: ",")) users=\(report.users) declarations=\(report.declarations)")
        return report
    }

    private func refuseEnvironmentKeys(_ environment: [String: String]) throws {
        if let text = environment[PIIKeys.environmentVariable], !text.isEmpty {
            throw AttuneError.invalid(
                PIIKeys.environmentVariable, "the keys come from the environment: rotate them there, then restart")
        }
    }

    /// How many times ``retire(environment:actor:)`` encrypts everything again before it gives up.
    static let retirementPasses = 3

    /// Declared-traits rows of every workspace holding a value under one of `retiring` that the
    /// keys can open (what re-encryption would move).
    private func valuesUnder(_ retiring: Set<String>, keys: PIIKeys) async throws -> Int {
        let protection = PIIProtection(keys: keys)
        var rows = 0
        for workspace in try await store.workspaces() {
            let uses = try await store.declaredTraitKeyUse(in: workspace) { protection.keyIDs($0, readableOnly: true) }
            // A row under two retiring keys counts twice: the number is for the message only.
            rows += uses.filter { retiring.contains($0.key) }.values.reduce(0, +)
        }
        return rows
    }

    private func reencryptEverything(under keys: PIIKeys) async throws -> Report {
        let protection = PIIProtection(keys: keys)
        var report = Report(key: keys.current)
        for workspace in try await store.workspaces() {
            let counts = try await store.rewriteDeclaredTraits(in: workspace, batchSize: 500) { traits in
                try protection.reencrypted(traits)
            }
            report.users += counts.users
            report.declarations += counts.declarations
        }
        return report
    }
}
