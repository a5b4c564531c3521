#if PostgreSQL
    import ArgumentParser
    import AttuneCore
    import AttuneEngine
    import AttunePostgres
    import Foundation
    import Logging

    /// A PostgreSQL database shared by `attune serve` replicas and `attune worker`s: the store, and
    /// the coordination through it (leader election, model publication and the channel that
    /// copies published models into this process's data directory).
    struct SharedDatabase: Sendable {
        let configuration: PostgresConfiguration
        let store: PostgresStore
        let logger: Logger

        /// Runs `body` with the store's pool running and the schema migrated; the pool stops when
        /// `body` returns or throws. Several processes may start at once: migrations take a lock.
        static func run(
            _ configuration: PostgresConfiguration, connections: Int, maintainsProfiles: Bool, logger: Logger,
            _ body: (SharedDatabase) async throws -> Void
        ) async throws {
            let options = PostgresStore.Options(maximumConnections: connections, maintainsProfiles: maintainsProfiles)
            // A database that cannot be reached or migrated ends the start-up with the store's own
            // message (server, operation, reason; never the password), not a usage text.
            try await PostgresStore.withStore(configuration, options: options, logger: logger) { store in
                try await body(SharedDatabase(configuration: configuration, store: store, logger: logger))
            }
        }

        /// The database's advisory lock, and models published to it; `registry` serves what the
        /// channel copies into `files` as soon as it is there.
        func coordination(registry: ModelRegistry, clock: any WallClock) -> Coordination {
            let snapshots = PostgresModelStore(store: store)
            let channel = PostgresModelChannel(
                models: snapshots, files: registry.files, logger: logger,
                onMaterialised: {
                    do {
                        try await registry.refreshOffThePool()
                    } catch {
                        logger.error("cannot load a model copied from the database", metadata: ["error": "\(error)"])
                    }
                })
            let election = PostgresLeaderElection(configuration, logger: logger)
            let requests = PostgresRetrainingRequests(
                queue: PostgresJobQueue(store: store), clock: clock,
                workerName: "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)", logger: logger)
            return Coordination(
                election: election,
                // Fenced: the leader's jobs publish and prune with its term; redactions (any
                // process's erasures) are not fenced.
                publisher: PostgresModelPublisher(
                    models: snapshots, clock: clock, fenced: true, logger: logger, registry: registry),
                services: [channel], retrainingRequests: requests,
                electionDescription: "an advisory lock in \(configuration.serverName)")
        }

        /// Every process on one database must hash and encrypt personal data with the same keys and
        /// accept the same API keys, so they come from the environment, never from a file each
        /// process would make for itself.
        static func sharedKeys(environment: [String: String], needsAPIKey: Bool) throws -> PIIKeys {
            guard let text = environment[PIIKeys.environmentVariable], !text.isEmpty else {
                throw ValidationError(
                    "--store postgres:// needs \(PIIKeys.environmentVariable): every process must use the same personal-data keys (make them once with `attune keys generate`)"
                )
            }
            if needsAPIKey, (environment["ATTUNE_ADMIN_KEY"] ?? "").isEmpty {
                throw ValidationError(
                    "--store postgres:// needs ATTUNE_ADMIN_KEY (and ATTUNE_WRITE_KEY for browsers): every replica must install the same keys (make them once with `attune keys generate`)"
                )
            }
            do {
                return try PIIKeys(json: text)
            } catch {
                throw ValidationError("\(PIIKeys.environmentVariable) is not a key set: \(error)")
            }
        }
    }
#endif
