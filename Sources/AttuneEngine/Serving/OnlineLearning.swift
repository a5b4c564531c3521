import AttuneCore
import AttuneML
import Logging
import ServiceLifecycle

/// Where ingestion reports the events it has stored, for models that learn between trainings.
package protocol FeedbackSink: Sendable {
    func record(_ events: [Event], in workspace: WorkspaceID)
}

/// Several sinks told about the same stored events.
package struct FeedbackFanout: FeedbackSink {
    let sinks: [any FeedbackSink]

    package init(_ sinks: [any FeedbackSink]) { self.sinks = sinks }

    package func record(_ events: [Event], in workspace: WorkspaceID) {
        for sink in sinks { sink.record(events, in: workspace) }
    }
}

/// Online updates of a served factorisation machine from feedback events.
///
/// Events are queued as they are stored; every `interval` the queue is folded into a copy of the
/// served model by one pairwise SGD step per event (the event's item against an item the user has
/// not touched, drawn uniformly) and the copy replaces the served model under the same version.
/// Copying once per interval keeps the served model immutable, so requests never see a model
/// half-way through an update. Users and items the model has no features for wait for the next
/// training.
package final class OnlineLearning: FeedbackSink, Service {
    let registry: ModelRegistry
    let interval: Duration
    let logger: Logger
    private let pending = Locked<[WorkspaceID: [(user: String, item: String)]]>([:])
    /// Beyond this many queued events per workspace the oldest are dropped: a burst must not grow
    /// memory without bound, and the next training sees every event anyway.
    package static let maxPending = 100_000

    package init(registry: ModelRegistry, interval: Duration = .seconds(5), logger: Logger) {
        self.registry = registry
        self.interval = interval
        self.logger = logger
    }

    package func record(_ events: [Event], in workspace: WorkspaceID) {
        let pairs = events.compactMap { event -> (user: String, item: String)? in
            guard let user = event.userID, let item = event.itemID else { return nil }
            return (user.rawValue, item.rawValue)
        }
        guard !pairs.isEmpty else { return }
        pending.withLock { all in
            var queue = all[workspace, default: []]
            queue.append(contentsOf: pairs)
            if queue.count > Self.maxPending { queue.removeFirst(queue.count - Self.maxPending) }
            all[workspace] = queue
        }
    }

    package func run() async throws {
        let interval = self.interval
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            _ = flush()
        }
    }

    /// Applies every queued event to its workspace's served model, if that is a factorisation
    /// machine; returns the number of SGD steps taken.
    @discardableResult
    package func flush() -> Int {
        let batches = pending.withLock { all -> [WorkspaceID: [(user: String, item: String)]] in
            defer { all.removeAll() }
            return all
        }
        var steps = 0
        for (workspace, pairs) in batches {
            guard let served = registry.model(for: workspace),
                var machine = served.snapshot.model.model as? FactorizationMachine
            else { continue }
            let snapshot = served.snapshot
            var rng = SeededGenerator(seed: UInt64(truncatingIfNeeded: snapshot.version) &* 0x9E37_79B9 &+ UInt64(pairs.count))
            for (user, item) in pairs {
                guard let u = snapshot.users.index(of: user), let i = snapshot.items.index(of: item),
                    Int(u) < machine.userCount, Int(i) < machine.itemCount, machine.itemCount > 1
                else { continue }
                let seen = snapshot.seen.columns(ofRow: Int(u))
                var j = Int32(truncatingIfNeeded: rng.next() % UInt64(machine.itemCount))
                var tries = 0
                while (j == i || seen.contains(j)) && tries < 10 {
                    j = Int32(truncatingIfNeeded: rng.next() % UInt64(machine.itemCount))
                    tries += 1
                }
                guard j != i else { continue }
                let context = machine.layout.users[row: Int(u)] + machine.layout.context
                do {
                    try machine.update(
                        context: context, positive: machine.layout.items[row: Int(i)],
                        negative: machine.layout.items[row: Int(j)])
                    steps += 1
                } catch {
                    logger.debug("online update skipped", metadata: ["error": .string(String(describing: error))])
                }
            }
            var updated = snapshot
            updated.model = TrainedRecommender(family: snapshot.family, model: machine)
            if !registry.replace(ServingModel(snapshot: updated), ifServing: served.version, in: workspace) {
                logger.info("online updates dropped: a new model was promoted meanwhile")
            }
        }
        return steps
    }
}
