import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation
import Logging

#if PostgreSQL
    import AttunePostgres
#endif

/// The store one administrative command acts on, decided in one place for every command:
/// SQLite in the data directory, or the PostgreSQL database of `--store` / ATTUNE_STORE (the one
/// the deployment's `serve` replicas and `worker`s share).
struct CommandStore {
    let store: any AttuneStorage
    let dataDirectory: String
    /// The SQLite store when the command runs on the data directory; `nil` on PostgreSQL.
    let sqlite: SQLiteStore?
    /// Where model versions are published (PostgreSQL): what every replica serves comes from there.
    let publisher: (any ModelPublisher)?
    /// The summary of a stored version (`nil`: no such version), wherever versions are kept.
    let summary: @Sendable (_ version: Int, _ workspace: WorkspaceID) async throws -> ModelSummary?
    /// Copies a published version into ``files`` (PostgreSQL); `nil` on a data directory.
    var materialise: (@Sendable (_ version: Int, _ workspace: WorkspaceID, _ files: ModelFiles) async throws -> Void)? = nil

    var isShared: Bool { sqlite == nil }

    /// The data directory's model files (on PostgreSQL only this process's copies).
    var files: ModelFiles { ModelFiles(dataDirectory: dataDirectory) }

    /// On PostgreSQL, copies the version the replicas serve into ``files`` and returns it; `nil`
    /// on a data directory (its files are the served ones) or when nothing is published.
    func copyServedModel(in workspace: WorkspaceID) async throws -> Int? {
        guard let materialise, let version = try await pinning.served(in: workspace) else { return nil }
        try await materialise(version, workspace, files)
        return version
    }

    /// Which version is served: the data directory's pin, or on PostgreSQL the database's, which
    /// every replica's model channel follows.
    var pinning: ModelPinning { ModelPinning(files: files, publisher: publisher) }

    /// The personal-data keys: on SQLite the data directory's (created on first use) or
    /// ATTUNE_PII_KEYS; on PostgreSQL only ATTUNE_PII_KEYS, the keys every process on the database
    /// shares (a key file made here would hash identifiers differently from the replicas).
    func piiKeys() throws -> PIIKeys {
        let environment = ProcessInfo.processInfo.environment
        if isShared {
            #if PostgreSQL
                return try SharedDatabase.sharedKeys(environment: environment, needsAPIKey: false)
            #endif
        }
        return try PIIKeys.load(dataDirectory: dataDirectory, environment: environment)
    }

    /// The keys when there are any (nothing was ever protected otherwise); on PostgreSQL, those of
    /// the environment.
    func piiKeysIfPresent() throws -> PIIKeys? {
        let environment = ProcessInfo.processInfo.environment
        if isShared {
            guard let text = environment[PIIKeys.environmentVariable], !text.isEmpty else { return nil }
            #if PostgreSQL
                return try SharedDatabase.sharedKeys(environment: environment, needsAPIKey: false)
            #endif
        }
        return try PIIKeys.loadIfPresent(dataDirectory: dataDirectory, environment: environment)
    }

    /// Runs `body` on the store `storage` names. On PostgreSQL the connection pool runs for as long
    /// as `body` does, the schema is migrated first, and every write `body` awaited has committed
    /// when this returns.
    static func with(
        _ storage: StoreOptions, dataDirectory: String, _ body: (CommandStore) async throws -> Void
    ) async throws {
        switch try storage.location() {
        case .sqlite:
            let store = try DataDirectory.openStore(dataDirectory)
            let files = ModelFiles(dataDirectory: dataDirectory)
            try await body(
                CommandStore(
                    store: store, dataDirectory: dataDirectory, sqlite: store, publisher: nil,
                    summary: { try files.summary(version: $0, in: $1) }))
        #if PostgreSQL
            case .postgres(let configuration):
                // Standard output carries the command's answer (a new key, a listing): the pool's
                // messages go to standard error, and only warnings.
                var logger = Logger(label: "attune") { StreamLogHandler.standardError(label: $0) }
                logger.logLevel = .warning
                try await SharedDatabase.run(
                    configuration, connections: storage.storeConnections, maintainsProfiles: true, logger: logger
                ) { shared in
                    if let keys = try Self.sharedKeysIfPresent() {
                        shared.store.revealDeclaredValues(with: PIIProtection(keys: keys).revealed)
                    }
                    let models = PostgresModelStore(store: shared.store)
                    // Nothing is pruned from here: a command only pins and redacts published versions.
                    let publisher = PostgresModelPublisher(models: models, clock: SystemClock(), keepNewest: nil, logger: logger)
                    try await body(
                        CommandStore(
                            store: shared.store, dataDirectory: dataDirectory, sqlite: nil, publisher: publisher,
                            summary: { try await models.summary(version: $0, in: $1) },
                            materialise: { _ = try await models.materialise(version: $0, in: $1, into: $2) }))
                }
        #endif
        }
    }

    #if PostgreSQL
        private static func sharedKeysIfPresent() throws -> PIIKeys? {
            let environment = ProcessInfo.processInfo.environment
            guard let text = environment[PIIKeys.environmentVariable], !text.isEmpty else { return nil }
            return try SharedDatabase.sharedKeys(environment: environment, needsAPIKey: false)
        }
    #endif

    /// The data directory's SQLite store for a command that only works there; `--store
    /// postgres://` (or ATTUNE_STORE) is answered with an error naming what is unsupported
    /// rather than quietly acting on a local database the deployment does not use.
    static func sqliteOnly(_ storage: StoreOptions, dataDirectory: String, command: String, reason: String) throws -> SQLiteStore {
        try requireSQLite(storage, command: command, reason: reason)
        return try DataDirectory.openStore(dataDirectory)
    }

    /// Throws when `storage` names a PostgreSQL database: `command` works only on the data directory.
    static func requireSQLite(_ storage: StoreOptions, command: String, reason: String) throws {
        if case .sqlite = try storage.location() { return }
        throw ValidationError(
            "`attune \(command)` is not supported with --store postgres:// (or \(StoreOptions.environmentVariable)): \(reason)")
    }
}

extension DataOptions {
    /// ``CommandStore/with(_:dataDirectory:_:)`` for these options, with the validated workspace.
    func withStore(_ body: (CommandStore, WorkspaceID) async throws -> Void) async throws {
        let workspace = try validatedWorkspace()
        try await CommandStore.with(storage, dataDirectory: resolvedDataDirectory) { try await body($0, workspace) }
    }

    /// ``CommandStore/sqliteOnly(_:dataDirectory:command:reason:)`` for these options.
    func sqliteOnly(command: String, reason: String) throws -> (SQLiteStore, WorkspaceID) {
        try CommandStore.requireSQLite(storage, command: command, reason: reason)
        return try ImportOutput.openStore(self)
    }

    func validatedWorkspace() throws -> WorkspaceID {
        do {
            return try WorkspaceID(validating: workspace)
        } catch {
            throw ValidationError("--workspace: \(error.message)")
        }
    }
}
