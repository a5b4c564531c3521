import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// What the HTTP layer needs from the rest of the system.
package struct ServerDependencies: Sendable {
    package var store: any AttuneStorage
    package var keyring: APIKeyring
    package var clock: any WallClock
    package var registry: PrometheusCollectorRegistry
    package var writer: EventWriter
    package var models: ModelRegistry
    package var modelPollInterval: Duration
    /// Background retraining; `nil` leaves training to `attune train`.
    package var retraining: RetrainingSchedule?
    /// How often a stream subscription is checked for a changed list.
    package var streamRefreshInterval: Duration = .seconds(1)
    /// Catalogue entries read by serving; item writes through the API invalidate theirs.
    package var catalogue = CatalogCache()
    /// Each user's recent items resolved to the served model's labels, for recommendations.
    package var resolvedHistories = ResolvedHistoryCache()
    /// What each segment's members consume, for `segment=` on recommendations.
    package var segmentPopularity = SegmentPopularity()
    /// Online updates of a served factorisation machine from stored events; `nil` turns them off.
    package var online: OnlineLearning?
    /// Keeps the served factor model in step with the catalogue (new items through content
    /// similarity, withdrawn items out of the index); `nil` turns it off.
    package var liveCatalogue: LiveCatalogue?
    /// Experiment definitions, assignment and results.
    package var experiments: ExperimentService
    /// Impressions and clicks per served model version, for the click-through health check.
    package var clickThrough: ClickThroughTracker
    /// How often the served model's click-through is judged; `nil` turns the check off.
    package var modelHealthInterval: Duration? = .seconds(60)
    package var modelHealthPolicy = ModelHealthPolicy()
    /// How often bandit splits are updated and guardrails checked; `nil` turns both off.
    package var experimentMonitorInterval: Duration? = .seconds(60)
    /// Monotonic nanoseconds for the rate limiter; tests fix it.
    package var monotonicNow: @Sendable () -> UInt64 = monotonicNanoseconds
    /// How often learned segments are retrained; `nil` turns it off.
    package var segmentTrainingInterval: Duration?
    /// Delivers segment changes to webhooks; `nil` turns delivery off.
    package var webhookInterval: Duration? = .seconds(1)
    /// How often a sample of streamed profiles is checked against their events; `nil` turns it off.
    package var profileAuditInterval: Duration?
    /// How often every rule segment is re-evaluated for time windows; `nil` turns the sweep off.
    package var segmentSweepInterval: Duration? = .seconds(3_600)
    /// The event log's retention limit, purged hourly; `nil` keeps events forever.
    package var retention: RetentionPurge?
    /// Received and refused events since start, for the dashboard.
    package var ingestionTally = IngestionTally()
    /// Customer-text ingest: sentiment (when a lexicon is loaded), entities, catalogue mentions,
    /// pseudonymised personal data. By default without sentiment and with a random key.
    package var texts: TextIngestion
    /// The catalogue names matched in texts; item writes through the API rebuild them.
    package var catalogueNames = CatalogNameIndex()
    /// Pseudonymises personal declared attributes; `nil` stores them as sent.
    package var pii: PIIProtection?
    /// Scans a watched import folder (`--import-dir`); `nil` turns it off.
    package var importFolder: ImportFolderService?
    /// The keys whose matching key hashes e-mail and phone identifiers. `attune serve` loads the
    /// data directory's (the same secret as pseudonymisation); the default is random, for tests.
    package var identifierKeys = PIIKeys.generate()
    /// Audit rows of reads (profile and history reads), queued and committed together a few
    /// times a second instead of one commit per request; runs as a service so that shutdown
    /// writes what is queued.
    package var readAudit: AuditWriter
    /// Whether this process runs the leader-only jobs (``LeaderJobs``) beside the API.
    package var role = ServerRole.all
    /// The election the leader-only jobs run under with ``ServerRole/all``; `nil` runs them
    /// unconditionally (one process alone on its data, as in tests).
    package var election: (any LeaderElection)?
    /// Where new model versions are published, erasures redact them and pins are kept
    /// (PostgreSQL); `nil` when the data directory is shared (SQLite).
    package var modelPublisher: (any ModelPublisher)?
    /// More work that runs as long as the server, shut down after the API stops taking requests
    /// (a replica's copy of the models published in a shared database).
    package var services: [any Service] = []
    /// Where a drop of the click-through asks for a retraining when processes share a database; the
    /// leader among them trains. `nil`: only a leading `--role all` process retrains on a drop.
    package var retrainingRequests: (any RetrainingRequests)?

    package init(
        store: any AttuneStorage, keyring: APIKeyring, clock: any WallClock,
        registry: PrometheusCollectorRegistry, writer: EventWriter, models: ModelRegistry,
        modelPollInterval: Duration = .seconds(5), retraining: RetrainingSchedule? = nil
    ) {
        self.store = store
        self.keyring = keyring
        self.clock = clock
        self.registry = registry
        self.writer = writer
        self.models = models
        self.modelPollInterval = modelPollInterval
        self.retraining = retraining
        self.experiments = ExperimentService(store: store, clock: clock)
        self.clickThrough = ClickThroughTracker(registry: models)
        self.readAudit = AuditWriter(store: store, clock: clock)
        self.liveCatalogue = LiveCatalogue(registry: models, store: store, logger: Logger(label: "attune.catalogue"))
        self.texts = TextIngestion(
            store: store, clock: clock, analyzer: TextAnalyzer(sentiment: nil, pseudonymizer: .random()),
            names: catalogueNames)
    }

    /// Everything told about stored events: online learning (when on) and click-through counting.
    var feedback: any FeedbackSink {
        var sinks: [any FeedbackSink] = [clickThrough]
        if let online { sinks.append(ConsentFilteredFeedback(store: store, sink: online)) }
        return FeedbackFanout(sinks)
    }
}

extension ServerDependencies {
    /// The leader-only jobs configured by these dependencies.
    /// Setting it takes the jobs' settings; store, clock, models and experiments stay these.
    package var leaderJobs: LeaderJobs {
        get {
            var jobs = LeaderJobs(store: store, clock: clock, models: models, experiments: experiments)
            jobs.retraining = retraining
            jobs.modelPublisher = modelPublisher
            jobs.segmentTrainingInterval = segmentTrainingInterval
            jobs.webhookInterval = webhookInterval
            jobs.profileAuditInterval = profileAuditInterval
            jobs.segmentSweepInterval = segmentSweepInterval
            jobs.retention = retention
            jobs.importFolder = importFolder
            jobs.experimentMonitorInterval = experimentMonitorInterval
            return jobs
        }
        set {
            retraining = newValue.retraining
            modelPublisher = newValue.modelPublisher
            segmentTrainingInterval = newValue.segmentTrainingInterval
            webhookInterval = newValue.webhookInterval
            profileAuditInterval = newValue.profileAuditInterval
            segmentSweepInterval = newValue.segmentSweepInterval
            retention = newValue.retention
            importFolder = newValue.importFolder
            experimentMonitorInterval = newValue.experimentMonitorInterval
        }
    }

    var recommendations: RecommendationService {
        RecommendationService(
            registry: models, store: store, clock: clock, catalogue: catalogue, segments: segmentPopularity,
            histories: resolvedHistories, suppressionThreshold: texts.configuration.suppressionThreshold)
    }

    var audit: AuditLog { AuditLog(store: store, clock: clock) }

    /// The one ingestion path of the HTTP API and the WebSocket stream.
    var ingestion: EventIngestion {
        var ingestion = EventIngestion(writer: writer, clock: clock, feedback: feedback, tally: ingestionTally)
        ingestion.pii = pii
        return ingestion
    }

    var consent: ConsentService { ConsentService(store: store, clock: clock, registry: models) }

    var identity: IdentityResolution { IdentityResolution(store: store, clock: clock, keys: identifierKeys) }
}

/// All routes of the API with their middleware.
package func buildRouter(configuration: ServerConfiguration, dependencies: ServerDependencies) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    // Segment rules over pseudonymised attributes compare values, not ciphertexts.
    if let pii = dependencies.pii { dependencies.store.revealDeclaredValues(with: pii.revealed) }
    // Outermost, so that error answers carry the CORS headers too and a browser can read them.
    if !configuration.corsOrigins.isEmpty {
        router.add(middleware: CORSAllowListMiddleware(origins: configuration.corsOrigins))
    }
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: LoadSheddingMiddleware(limiter: InFlightLimiter(limit: configuration.limits.maxInFlightRequests)))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: APIKeyMiddleware(keyring: dependencies.keyring))
    dependencies.keyring.setDefaultRateLimit(configuration.rateLimit)
    router.add(middleware: RateLimitMiddleware(now: dependencies.monotonicNow))
    EventsController(
        ingestion: dependencies.ingestion, store: dependencies.store, clock: dependencies.clock, limits: configuration.limits,
        pii: dependencies.pii, identity: dependencies.identity
    ).addRoutes(to: router)
    IdentityController(
        identity: dependencies.identity, limits: configuration.limits, refusesPersonalIDs: dependencies.pii != nil
    ).addRoutes(to: router)
    ItemsController(
        store: dependencies.store, clock: dependencies.clock, limits: configuration.limits, catalogue: dependencies.catalogue,
        names: dependencies.texts.names, live: dependencies.liveCatalogue
    ).addRoutes(to: router)
    TextsController(
        ingestion: dependencies.texts, store: dependencies.store, refusesPersonalIDs: dependencies.pii != nil
    ).addRoutes(to: router)
    SystemController(store: dependencies.store, registry: dependencies.registry).addRoutes(to: router)
    ProfilesController(store: dependencies.store, clock: dependencies.clock, audit: dependencies.readAudit, pii: dependencies.pii)
        .addRoutes(to: router)
    PrivacyController(
        store: dependencies.store, clock: dependencies.clock, models: dependencies.models, pii: dependencies.pii,
        modelPublisher: dependencies.modelPublisher)
        .addRoutes(to: router)
    ProfileHistoryController(store: dependencies.store, audit: dependencies.readAudit).addRoutes(to: router)
    SegmentsController(store: dependencies.store, clock: dependencies.clock, limits: configuration.limits)
        .addRoutes(to: router)
    UsersController(store: dependencies.store, clock: dependencies.clock, pii: dependencies.pii).addRoutes(to: router)
    ConsentController(
        service: dependencies.consent, limits: configuration.limits, refusesPersonalIDs: dependencies.pii != nil
    ).addRoutes(to: router)
    WebhooksController(store: dependencies.store, clock: dependencies.clock).addRoutes(to: router)
    RecommendationsController(service: dependencies.recommendations, experiments: dependencies.experiments).addRoutes(to: router)
    ExperimentsController(service: dependencies.experiments, refusesPersonalIDs: dependencies.pii != nil).addRoutes(to: router)
    StreamController.addUpgradeRequiredRoute(to: router)
    TrackerController().addRoutes(to: router)
    DashboardController(configuration: configuration, dependencies: dependencies).addRoutes(to: router)
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
    return router
}

/// The WebSocket routes (`GET /v1/stream`), upgraded before the HTTP router sees the request.
package func buildStreamRouter(dependencies: ServerDependencies) -> Router<StreamRequestContext> {
    let streams = Router(context: StreamRequestContext.self)
    StreamController(
        keyring: dependencies.keyring,
        ingestion: dependencies.ingestion,
        service: dependencies.recommendations,
        refreshInterval: dependencies.streamRefreshInterval
    ).addRoutes(to: streams)
    return streams
}

/// The server application; the event writer runs as one of its services so that shutdown
/// drains accepted events before the process exits. Serves HTTPS when `configuration.tls` is set.
package func buildApplication(
    configuration: ServerConfiguration,
    dependencies: ServerDependencies,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let router = buildRouter(configuration: configuration, dependencies: dependencies)
    let streams = buildStreamRouter(dependencies: dependencies)
    var server = HTTPServerBuilder.http1StreamUpgrade(
        webSocketRouter: streams,
        configuration: .init(
            http1: .init(idleTimeout: TimeAmount(configuration.limits.idleTimeout)),
            ws: .init(maxFrameSize: StreamController.maxMessageBytes)),
        headerTimeout: configuration.limits.headerTimeout)
    if let tls = configuration.tls {
        server = try .tls(server, tlsConfiguration: tls)
    }
    var app = Application(
        router: router,
        server: server,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "attune"),
        onServerRunning: { channel in
            await onServerRunning(channel.localAddress?.port ?? configuration.port)
        },
        eventLoopGroupProvider: configuration.eventLoops.map { .shared(ServerEventLoops.group(threads: $0)) } ?? .singleton,
        logger: logger)
    app.addServices(dependencies.writer, ModelWatcher(registry: dependencies.models, interval: dependencies.modelPollInterval, erasures: dependencies.store))
    app.addServices(dependencies.readAudit)
    app.addServices(dependencies.services)
    app.addServices(KeyringRefresher(keyring: dependencies.keyring, interval: configuration.keyReloadInterval, logger: logger))
    if let online = dependencies.online { app.addServices(online) }
    if let live = dependencies.liveCatalogue { app.addServices(live) }
    var retrain: (@Sendable (WorkspaceID) async throws -> Bool)?
    // An API replica runs no leader-only job: the worker retrains on its schedule.
    var withoutRetraining = "none: retraining is the worker's; this replica only alerts"
    if dependencies.role == .all {
        withoutRetraining = ModelHealthMonitor.noRetraining
        var (jobs, scheduler) = dependencies.leaderJobs.services(logger: logger)
        if let requests = dependencies.retrainingRequests, let scheduler { jobs.append(requests.runner(scheduler)) }
        var gate: LeaderOnlyServices?
        if let election = dependencies.election {
            let made = LeaderOnlyServices(election: election, jobs: jobs, logger: logger)
            app.addServices(made)
            gate = made
        } else {
            app.addServices(jobs)
        }
        if let scheduler, dependencies.retrainingRequests == nil {
            retrain = { [gate] workspace in
                let work: @Sendable () async throws -> Void = {
                    _ = try await scheduler.retrainNow(workspace, reason: "click-through dropped")
                }
                guard let gate else {
                    try await work()
                    return true
                }
                // Another process leads and retrains on its own schedule; two trainings at once
                // would publish two versions. The monitor asks again while it does not lead. Run
                // as work of this term, the training stops (and publishes nothing) when it ends.
                return try await gate.whileLeading(work) != nil
            }
        }
    }
    if let requests = dependencies.retrainingRequests {
        // Whichever process leads takes the request, this one included.
        retrain = { workspace in
            try await requests.request(workspace, reason: "click-through dropped")
            return true
        }
    }
    if let interval = dependencies.modelHealthInterval {
        app.addServices(
            ModelHealthMonitor(
                tracker: dependencies.clickThrough, registry: dependencies.models,
                policy: dependencies.modelHealthPolicy, interval: interval, logger: logger, retrain: retrain,
                withoutRetraining: withoutRetraining))
    }
    return app
}
