import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run the background jobs without the HTTP API, while this process leads its data directory.",
        discussion: """
            The jobs are scheduled retraining, learned segment training, the segment sweep, webhook delivery, \
            profile audits, the retention purge, the import folder and the experiment monitor. Of all the \
            processes on one data directory (workers and `attune serve --role all`), only the one holding the \
            lock on worker.lock runs them; the others wait and take over within about a second when it exits \
            or dies. `attune serve --role api` replicas answer requests and pick up the models trained here. \
            With --store postgres://, the processes share a database instead: the leader holds an advisory \
            lock, publishes each trained model to the database, and every replica copies it into its own \
            --data-dir. Those processes need ATTUNE_PII_KEYS (and the replicas ATTUNE_ADMIN_KEY): see \
            `attune keys generate`.
            """)

    @Option(name: .customLong("data-dir"), help: "Data directory (default ./attune-data, or ATTUNE_DATA_DIR).")
    var dataDirectory: String?

    @Option(help: "full: fsync every commit (default); normal: survive process crashes only.")
    var durability: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @OptionGroup var modelWatch: ModelWatchOptions
    @OptionGroup var jobs: LeaderJobOptions
    @OptionGroup var personalData: PIIOptions
    @OptionGroup var storage: StoreOptions

    func validate() throws {
        if let durability, SQLiteStore.Durability(rawValue: durability) == nil {
            throw ValidationError("--durability must be full or normal")
        }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level is not a log level") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in ConsoleLogHandler(label: label, level: level) }
        let logger = Logger(label: "attune.worker")
        let directory = DataOptions.resolve(dataDirectory)
        switch try storage.location() {
        case .sqlite:
            let (store, piiKeys) = try Self.openStore(
                directory, durability: durability.flatMap(SQLiteStore.Durability.init(rawValue:)) ?? .full)
            try await work(store: store, piiKeys: piiKeys, directory: directory, description: directory, logger: logger) { _ in
                try Coordination.dataDirectory(directory)
            }
        #if PostgreSQL
            case .postgres(let database):
                let piiKeys = try SharedDatabase.sharedKeys(environment: ProcessInfo.processInfo.environment, needsAPIKey: false)
                try await SharedDatabase.run(
                    database, connections: storage.storeConnections, maintainsProfiles: true, logger: logger
                ) { shared in
                    try await work(
                        store: shared.store, piiKeys: piiKeys, directory: directory,
                        description: "\(database) (models in \(directory))", logger: logger
                    ) { models in shared.coordination(registry: models, clock: SystemClock()) }
                }
        #endif
        }
    }

    private func work(
        store: any AttuneStorage, piiKeys: PIIKeys, directory: String, description: String, logger: Logger,
        coordinate: (ModelRegistry) throws -> Coordination
    ) async throws {
        let clock = SystemClock()
        // Segment rules over pseudonymised attributes compare values, not ciphertexts.
        store.revealDeclaredValues(with: PIIProtection(keys: piiKeys).revealed)
        let models = ModelRegistry(
            files: ModelFiles(dataDirectory: directory), logger: logger, promotionMargin: modelWatch.promotionMargin)
        let coordination = try coordinate(models)
        var leaderJobs = LeaderJobs(
            store: store, clock: clock, models: models, experiments: ExperimentService(store: store, clock: clock))
        leaderJobs.modelPublisher = coordination.publisher
        try jobs.configure(
            &leaderJobs, store: store, clock: clock, pii: personalData.protection(keys: piiKeys),
            identifierKeys: piiKeys, logger: logger)
        var (leaderOnly, scheduler) = leaderJobs.services(logger: logger)
        // Retrainings asked for by replicas (a click-through drop) are the leader's to run.
        if let requests = coordination.retrainingRequests, let scheduler { leaderOnly.append(requests.runner(scheduler)) }
        guard let election = coordination.election else { throw ValidationError("a worker needs an election") }
        let gate = LeaderOnlyServices(election: election, jobs: leaderOnly, logger: logger)
        // The worker follows the served models too: retraining is due by the events since the
        // served model's training, and an erasure made elsewhere must reach what it trains from.
        let watcher = ModelWatcher(registry: models, interval: modelWatch.pollInterval, erasures: store)
        FileHandle.standardOutput.write(
            Data("attune worker on \(description): runs the background jobs while it holds \(coordination.electionDescription)\n".utf8))
        let group = ServiceGroup(
            services: coordination.services + [watcher, gate], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }

    /// The store and the personal-data keys. `openStore` reveals protected values only when keys
    /// already exist; on a fresh data directory `PIIKeys.load` makes them afterwards, so the store
    /// is told here, or the segment sweep would compare ciphertexts (`serve` does the same when it
    /// builds its router).
    static func openStore(_ directory: String, durability: SQLiteStore.Durability) throws -> (SQLiteStore, PIIKeys) {
        let store = try DataDirectory.openStore(directory, durability: durability)
        let keys = try PIIKeys.load(dataDirectory: directory, environment: ProcessInfo.processInfo.environment)
        store.revealDeclaredValues(with: PIIProtection(keys: keys).revealed)
        return (store, keys)
    }
}
