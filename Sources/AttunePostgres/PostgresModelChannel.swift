import AttuneCore
import AttuneEngine
import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps a replica's model directory up to date with the versions published in the database
/// (``PostgresModelStore``): it `LISTEN`s for announcements on a connection of its own and, at
/// each one, copies the newest version of every workspace that it lacks into the directory, then
/// calls `onMaterialised` (``ModelRegistry/refreshOffThePool()``, so the new version is served at
/// once rather than at the registry's next poll).
///
/// It also catches up when it starts and each time the listening connection is opened again (an
/// announcement made meanwhile was lost with the connection), and every ``Options/pollInterval``
/// as a fallback. A version whose stored copy is damaged is refused, said once, and never written.
/// Only the newest version of each workspace is copied: it is the one the registry would serve.
package final class PostgresModelChannel: Service, Sendable {
    package struct Options: Sendable {
        /// How often to look for new versions without an announcement.
        package var pollInterval: Duration
        /// The pause before listening again after the connection broke or could not be opened.
        package var reconnectDelay: Duration

        package init(pollInterval: Duration = .seconds(60), reconnectDelay: Duration = .seconds(1)) {
            self.pollInterval = pollInterval
            self.reconnectDelay = reconnectDelay
        }
    }

    /// What the channel did, for tests and logs.
    package enum Event: Sendable, Hashable {
        /// Listening, and caught up with what was published before.
        case listening
        case materialised(WorkspaceID, version: Int)
        case refused(WorkspaceID, version: Int)
    }

    let models: PostgresModelStore
    let files: ModelFiles
    let options: Options
    let logger: Logger
    let onMaterialised: @Sendable () async -> Void
    let observe: @Sendable (Event) -> Void
    /// `workspace/version` of damaged copies already refused.
    private let refused = Locked<Set<String>>([])

    package init(
        models: PostgresModelStore, files: ModelFiles, options: Options = Options(), logger: Logger,
        onMaterialised: @escaping @Sendable () async -> Void = {}, observe: @escaping @Sendable (Event) -> Void = { _ in }
    ) {
        self.models = models
        self.files = files
        self.options = options
        self.logger = logger
        self.onMaterialised = onMaterialised
        self.observe = observe
    }

    package func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.follow() }
        } catch is CancellationError {
            return
        }
    }

    private func follow() async throws {
        var lastWarning: ContinuousClock.Instant?
        while !Task.isCancelled {
            do {
                try await listen()
            } catch {
                if Task.isCancelled { return }
                let now = ContinuousClock.now
                if lastWarning.map({ now - $0 >= .seconds(60) }) ?? true {
                    lastWarning = now
                    // postgres-nio's errors describe nothing (on purpose): the classified reason does.
                    let reason =
                        error is ListenerEnded
                        ? "the listening connection ended"
                        : (error as? AttuneError)?.message ?? PostgresFailure.classify(error).reason
                    logger.warning("model announcements: listening failed; trying again", metadata: ["reason": .string(reason)])
                }
            }
            try await Task.sleep(for: options.reconnectDelay)
        }
    }

    /// Listens until the connection breaks (throws) or the task is cancelled.
    private func listen() async throws {
        let connection = try await models.store.openConnection()
        let closed = ConnectionClosedSignal(connection)
        do {
            try await connection.listen(on: PostgresModelStore.channel) { notifications in
                // One catching-up at a time; announcements that come meanwhile make one more.
                let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await _ in notifications { wake.yield() }
                        throw ListenerEnded()
                    }
                    group.addTask {
                        await closed.wait()
                        try Task.checkCancellation()
                        throw ListenerEnded()
                    }
                    group.addTask {
                        while true {
                            try await Task.sleep(for: self.options.pollInterval)
                            wake.yield()
                        }
                    }
                    group.addTask {
                        // Listening already: what is published from now on is announced, and what
                        // was published before is found by this first round.
                        await self.catchUpLogged()
                        self.observe(.listening)
                        for await _ in wakes { await self.catchUpLogged() }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch {
            await connection.abandon()
            throw error
        }
        await connection.abandon()
    }

    private func catchUpLogged() async {
        do {
            try await catchUp()
        } catch {
            if Task.isCancelled { return }
            logger.warning("model announcements: catching up failed", metadata: ["error": .string(String(describing: error))])
        }
    }

    /// Copies the newest published version of each workspace that the directory lacks.
    /// - Returns: how many versions were written.
    @discardableResult
    package func catchUp() async throws -> Int {
        var written: [(WorkspaceID, Int)] = []
        for (workspace, version) in try await models.latestVersions() {
            let key = "\(workspace.rawValue)/\(version)"
            if refused.withLock({ $0.contains(key) }) { continue }
            do {
                guard try await models.materialise(version: version, in: workspace, into: files) else { continue }
            } catch let damaged as DamagedModelVersion {
                refused.withLock { _ = $0.insert(key) }
                logger.error(
                    "published model refused: its stored copy is damaged",
                    metadata: ["attune.workspace": .string(workspace.rawValue), "model.version": .stringConvertible(version),
                               "reason": .string(damaged.reason)])
                observe(.refused(workspace, version: version))
                continue
            }
            written.append((workspace, version))
            logger.info(
                "published model copied",
                metadata: ["attune.workspace": .string(workspace.rawValue), "model.version": .stringConvertible(version)])
        }
        guard !written.isEmpty else { return 0 }
        await onMaterialised()
        // Told after the registry has taken them: an observer that sees one finds it served.
        for (workspace, version) in written { observe(.materialised(workspace, version: version)) }
        return written.count
    }
}

/// The notification stream or the connection ended: listen again.
private struct ListenerEnded: Error {}
