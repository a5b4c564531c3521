import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneExperiments
import AttuneServer
import AttuneStore
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP API.",
        discussion: """
            Settings come from flags, then environment variables (ATTUNE_HOST, ATTUNE_PORT, ATTUNE_DATA_DIR, \
            ATTUNE_DURABILITY, ATTUNE_RATE_LIMIT, ATTUNE_RATE_BURST, ATTUNE_TLS_CERT, ATTUNE_TLS_KEY, \
            ATTUNE_CORS_ORIGINS comma-separated), then the --config JSON file (keys host, port, dataDir, durability, \
            rateLimit, rateBurst, tlsCert, tlsKey, corsOrigins), then defaults. \
            ATTUNE_DASHBOARD_SECRET (32 bytes or more) signs dashboard sessions, so that they survive a restart and \
            work across servers behind one address; without it a random secret is drawn at start-up. \
            ATTUNE_ADMIN_KEY and ATTUNE_WRITE_KEY set the default workspace's keys; without them keys are \
            generated once and kept in the data directory. Keys made or revoked with `attune keys` take effect \
            in a running server within a second. Changes of the security settings (bind address, TLS, rate \
            limit, CORS origins, body limits) are written to the audit log at start-up. \
            With --store postgres:// (or ATTUNE_STORE) the data lives in PostgreSQL, shared by any number of \
            `serve --role api` replicas and `attune worker`s; each process keeps its copy of the models in \
            its --data-dir, and all take their keys from ATTUNE_ADMIN_KEY, ATTUNE_WRITE_KEY and ATTUNE_PII_KEYS \
            (`attune keys generate`).
            """)

    @Option(name: .customLong("data-dir"), help: "Data directory (default ./attune-data).")
    var dataDirectory: String?

    @Option(
        help: "all: the API and the background jobs (training, segments, webhooks, retention, import folder, experiment monitor) while this process leads the data directory; api: the API only, beside an `attune worker`.")
    var role = "all"

    @OptionGroup var modelWatch: ModelWatchOptions
    @OptionGroup var jobs: LeaderJobOptions

    @Option(help: "Address to bind (default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (default 8080; 0 picks a free port).")
    var port: Int?

    @Option(name: .customLong("config"), help: "JSON configuration file.")
    var configFile: String?

    @Option(help: "full: fsync every commit (default); normal: survive process crashes only.")
    var durability: String?

    @Option(help: "Share of users held out of every experiment (a global holdout), from 0 to 0.5.")
    var holdoutShare: Double = 0

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "Requests per second each API key may make, unless the key has its own rate (default 100; 0 turns limiting off).")
    var rateLimit: Double?

    @Option(help: "Requests a key may make at once before its rate applies (default 200).")
    var rateBurst: Int?

    @Option(help: "Seconds a new connection has to send its first complete request head (TLS handshake included) before it is answered 408 and closed, however slowly it keeps sending.")
    var headerTimeoutSeconds: Double = 20

    @Option(help: "Seconds without traffic, between requests or inside a request body, after which a connection is closed.")
    var idleTimeoutSeconds: Double = 60

    @Option(help: "Threads that read and write connections (default: one per core); handlers run on Swift's pool beside them. On 2 cores, 1 lets recommendations cost less CPU and plain I/O-bound routes (events, health) peak lower.")
    var eventLoops: Int?

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: serve HTTPS (needs --tls-key).")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of the certificate.")
    var tlsKey: String?

    @Option(
        name: .customLong("cors-origin"),
        help: "A web origin (https://shop.example) whose pages may call the API; repeat for more. None by default.")
    var corsOrigins: [String] = []

    @OptionGroup var text: TextOptions
    @Option(
        name: .customLong("consent-default"),
        help: "Consent for purposes a person has not decided on: opt-out (allowed until withdrawn) or opt-in (nothing until granted). Stored with the data (in PostgreSQL, for every replica at once); a new store starts opt-out.")
    var consentDefault: String?

    @OptionGroup var personalData: PIIOptions
    @OptionGroup var storage: StoreOptions

    // Hidden: for `attune bench ingest --no-profiles`, which compares ingestion with and without
    // the per-event profile update; a server without it serves stale profiles until a rebuild.
    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "Update profiles as events are stored; --no-profiles is for benchmarks (catch up with `attune profiles rebuild`).",
            visibility: .hidden))
    var profiles = true

    func validate() throws {
        guard let role = ServerRole(rawValue: role) else { throw ValidationError("--role must be all or api") }
        // Asked for explicitly, a job that would never run is a mistake, not a setting.
        if role == .api, jobs.importDirectory != nil {
            throw ValidationError("--import-dir needs --role all; with --role api run it in `attune worker`")
        }
        if role == .api, jobs.retentionDays != nil {
            throw ValidationError("--retention-days needs --role all; with --role api run it in `attune worker`")
        }
        if let consentDefault, ConsentDefault(rawValue: consentDefault) == nil {
            throw ValidationError("--consent-default must be opt-out or opt-in")
        }
        if let port, !(0...65_535).contains(port) { throw ValidationError("--port must be from 0 to 65535") }
        if let durability, SQLiteStore.Durability(rawValue: durability) == nil {
            throw ValidationError("--durability must be full or normal")
        }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level is not a log level") }
        guard holdoutShare >= 0, holdoutShare <= 0.5 else { throw ValidationError("--holdout-share must be from 0 to 0.5") }
        guard headerTimeoutSeconds >= 0.1, headerTimeoutSeconds <= 3_600 else {
            throw ValidationError("--header-timeout-seconds must be from 0.1 to 3600")
        }
        guard idleTimeoutSeconds >= 0.1, idleTimeoutSeconds <= 86_400 else {
            throw ValidationError("--idle-timeout-seconds must be from 0.1 to 86400")
        }
        if let eventLoops, !(1...256).contains(eventLoops) { throw ValidationError("--event-loops must be from 1 to 256") }
        // The flags alone must make sense; `ServeSettings` checks them again after merging.
        var flagged = ServeSettings()
        flagged.rateLimit = rateLimit ?? flagged.rateLimit
        flagged.rateBurst = rateBurst ?? flagged.rateBurst
        flagged.corsOrigins = corsOrigins
        if tlsCertificate != nil || tlsKey != nil {
            flagged.tlsCertificate = tlsCertificate
            flagged.tlsKey = tlsKey
        }
        try flagged.validateSecurity()
    }

    var flags: ServeSettings.Flags {
        ServeSettings.Flags(
            host: host, port: port, dataDirectory: dataDirectory, durability: durability, rateLimit: rateLimit,
            rateBurst: rateBurst, tlsCertificate: tlsCertificate, tlsKey: tlsKey, corsOrigins: corsOrigins)
    }

    func run() async throws {
        let settings = try ServeSettings.resolve(flags: flags, configFile: configFile)
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in ConsoleLogHandler(label: label, level: level) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "attune")
        if settings.exposesPlainHTTP {
            // A TLS-terminating proxy in front is a fine setup too; say it once, not per request.
            logger.warning(
                "serving plain HTTP beyond loopback: API keys cross the network in clear; use --tls-cert and --tls-key or a TLS proxy",
                metadata: ["http.host": .string(settings.host)])
        }

        let clock = SystemClock()
        switch try storage.location() {
        case .sqlite:
            let store = try DataDirectory.openStore(settings.dataDirectory, durability: settings.durability, profiles: profiles)
            // Identifiers (e-mail, phone) are always hashed with the matching key, so the keys are
            // loaded, or created on first use, with or without pseudonymisation.
            let piiKeys = try PIIKeys.load(dataDirectory: settings.dataDirectory, environment: ProcessInfo.processInfo.environment)
            try await serve(
                store: store, sharedStore: false, piiKeys: piiKeys, settings: settings,
                storeDescription: "data: \(settings.dataDirectory)",
                clock: clock, registry: registry, logger: logger
            ) { _ in try Coordination.dataDirectory(settings.dataDirectory, electing: ServerRole(rawValue: role) != .api) }
        #if PostgreSQL
            case .postgres(let database):
                let piiKeys = try SharedDatabase.sharedKeys(environment: ProcessInfo.processInfo.environment, needsAPIKey: true)
                // Before connecting, and so before text ingestion would make a key of this host's own.
                try text.checkSharedSecret()
                try await SharedDatabase.run(
                    database, connections: storage.storeConnections, maintainsProfiles: profiles, logger: logger
                ) { shared in
                    try await serve(
                        store: shared.store, sharedStore: true, piiKeys: piiKeys, settings: settings,
                        storeDescription: "store: \(database), models in \(settings.dataDirectory)", clock: clock,
                        registry: registry, logger: logger
                    ) { models in shared.coordination(registry: models, clock: clock) }
                }
        #endif
        }
    }

    /// The server on `store`, with `coordinate` deciding how it shares jobs and models with the
    /// other processes on the same data.
    private func serve(
        store: any AttuneStorage, sharedStore: Bool, piiKeys: PIIKeys, settings: ServeSettings, storeDescription: String,
        clock: SystemClock, registry: PrometheusCollectorRegistry, logger: Logger,
        coordinate: (ModelRegistry) throws -> Coordination
    ) async throws {
        var provisioning = KeyProvisioning(store: store, clock: clock)
        provisioning.replacesEarlierKeys = !sharedStore
        let keys = try await provisioning.provision(
            dataDirectory: settings.dataDirectory,
            adminKey: Environment.value("ATTUNE_ADMIN_KEY"),
            writeKey: Environment.value("ATTUNE_WRITE_KEY"))
        let keyring = APIKeyring(store: store)
        try await keyring.reload()
        let writer = EventWriter(store: store, logger: logger)

        var configuration = ServerConfiguration()
        configuration.host = settings.host
        configuration.port = settings.port
        configuration.rateLimit = try settings.resolvedRateLimit()
        configuration.corsOrigins = settings.corsOrigins
        configuration.limits.headerTimeout = .milliseconds(Int64(headerTimeoutSeconds * 1000))
        configuration.limits.idleTimeout = .milliseconds(Int64(idleTimeoutSeconds * 1000))
        configuration.eventLoops = eventLoops
        // A secret, so never a flag (flags show in process listings) and never in the audit summary.
        if let secret = Environment.value("ATTUNE_DASHBOARD_SECRET") {
            guard secret.utf8.count >= 32 else { throw ValidationError("ATTUNE_DASHBOARD_SECRET must be at least 32 bytes") }
            configuration.dashboardSessionSecret = Array(secret.utf8)
        }
        if let tlsCertificate = settings.tlsCertificate, let tlsKey = settings.tlsKey {
            do {
                configuration.tls = try TLSFiles.serverConfiguration(certificatePath: tlsCertificate, keyPath: tlsKey)
            } catch {
                throw ValidationError(error.message)
            }
        }
        try await AuditLog(store: store, clock: clock).recordConfiguration(
            configuration.auditSummary, actor: AuditLog.commandLineActor)
        if let policy = consentDefault.flatMap(ConsentDefault.init(rawValue:)) {
            try await ConsentService(store: store, clock: clock, registry: nil).setDefault(policy, actor: AuditLog.commandLineActor)
        }
        let models = ModelRegistry(
            files: ModelFiles(dataDirectory: settings.dataDirectory), logger: logger, promotionMargin: modelWatch.promotionMargin)
        var dependencies = ServerDependencies(
            store: store, keyring: keyring, clock: clock, registry: registry, writer: writer, models: models,
            modelPollInterval: modelWatch.pollInterval)
        let role = ServerRole(rawValue: role) ?? .all
        let coordination = try coordinate(models)
        dependencies.modelPublisher = coordination.publisher
        dependencies.services = coordination.services
        dependencies.retrainingRequests = coordination.retrainingRequests
        dependencies.role = role
        dependencies.online = OnlineLearning(registry: models, logger: logger)
        dependencies.liveCatalogue = LiveCatalogue(registry: models, store: store, logger: logger)
        dependencies.texts = try text.ingestion(
            store: store, clock: clock, dataDirectory: settings.dataDirectory, names: dependencies.catalogueNames,
            logger: logger)
        if holdoutShare > 0 {
            dependencies.experiments = ExperimentService(store: store, clock: clock, holdout: try GlobalHoldout(share: holdoutShare))
        }
        dependencies.identifierKeys = piiKeys
        dependencies.pii = personalData.protection(keys: piiKeys)
        if role == .all {
            // The jobs wait for the election, so that a `worker` on the same data and this
            // process never both run them.
            dependencies.election = coordination.election
            try jobs.configure(
                &dependencies.leaderJobs, store: store, clock: clock, pii: dependencies.pii, identifierKeys: piiKeys,
                logger: logger)
        }
        let scheme = configuration.tls == nil ? "http" : "https"
        let app = try buildApplication(configuration: configuration, dependencies: dependencies, logger: logger) { port in
            var lines = [
                "attune listening on \(scheme)://\(settings.host):\(port)  (\(storeDescription))",
                "dashboard: \(scheme)://\(settings.host):\(port)/dashboard  (sign in with the admin key)",
            ]
            switch keys.source {
            case .environment:
                lines.append("API keys: from ATTUNE_ADMIN_KEY / ATTUNE_WRITE_KEY")
            case .generatedNow, .credentialsFile:
                let revoked = "(revoked; make a new key with attune keys create)"
                lines.append("admin key: \(keys.adminKey ?? revoked)")
                lines.append("write key: \(keys.writeKey ?? revoked)   (safe to embed in web pages)")
                lines.append("keys are kept in \(keys.credentialsPath)")
            }
            switch role {
            case .all: lines.append("role: all (background jobs run here while this process holds \(coordination.electionDescription))")
            case .api: lines.append("role: api (no background jobs: run `attune worker` on this data)")
            }
            // Written straight to the descriptor: a parent process waits for this line on a pipe.
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        try await app.runService()
    }
}
