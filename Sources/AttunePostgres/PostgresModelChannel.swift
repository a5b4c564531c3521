import AttuneCore
import AttuneEngine
import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps a replica's model directory up to date with the versions published in the database
/// (``PostgresModelStore``): it `LISTEN`s for announcements on a connection of its own and, at
/// each one, copies the newest and the pinned version of every workspace that it lacks into the
/// directory, copies again the versions an erasure rewrote, follows the pin and deletes the
/// copies of pruned versions (``catchUp()``), then calls `onMaterialised` (``ModelRegistry/refreshOffThePool()``, so the new version is served at
/// once rather than at the registry's next poll).
///
/// It also catches up when it starts and each time the listening connection is opened again (an
/// announcement made meanwhile was lost with the connection), and every ``Options/pollInterval``
/// as a fallback. A version whose stored copy is damaged is refused, said once, and never written.
/// Only the newest and the pinned version of each workspace are copied: the registry serves one of them.
package final class PostgresModelChannel: Service, Sendable {
    package struct Options: Sendable {
        /// How often to look for new versions without an announcement.
        package var pollInterval: Duration
        /// The pause before listening again after the connection broke or could not be opened.
        package var reconnectDelay: Duration

        /// Whether copies of versions pruned from the database are deleted here too.
        package var removePrunedCopies: Bool

        package init(pollInterval: Duration = .seconds(60), reconnectDelay: Duration = .seconds(1), removePrunedCopies: Bool = true) {
            self.pollInterval = pollInterval
            self.reconnectDelay = reconnectDelay
            self.removePrunedCopies = removePrunedCopies
        }
    }

    /// What the channel did, for tests and logs.
    package enum Event: Sendable, Hashable {
        /// Listening, and caught up with what was published before.
        case listening
        case materialised(WorkspaceID, version: Int)
        /// Copied again over the copy there: an erasure rewrote it.
        case rewritten(WorkspaceID, version: Int)
        /// The pin written (`nil`: removed) after an operator pinned through any process.
        case pinned(WorkspaceID, version: Int?)
        /// The copy of a version pruned from the database deleted.
        case removed(WorkspaceID, version: Int)
        case refused(WorkspaceID, version: Int)
    }

    let models: PostgresModelStore
    let files: ModelFiles
    let options: Options
    let logger: Logger
    let onMaterialised: @Sendable () async -> Void
    let observe: @Sendable (Event) -> Void
    /// `workspace/version/r<revision>` of damaged copies already refused.
    private let refused = Locked<Set<String>>([])
    /// `workspace/version` → the revision this process copied.
    private let copiedRevisions = Locked<[String: Int]>([:])

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

    /// Brings the directory in line with what is published, per workspace: copies the newest
    /// version and the pinned one when missing, copies again a version whose stored copy was
    /// rewritten since it was copied (an erasure redacted it), writes or removes the pin, and
    /// deletes the copies of versions pruned from the database.
    /// - Returns: how many changes were made.
    @discardableResult
    package func catchUp() async throws -> Int {
        var changes: [Event] = []
        for (workspace, published) in try await models.published() {
            changes += try await follow(workspace, published)
        }
        guard !changes.isEmpty else { return 0 }
        await onMaterialised()
        // Told after the registry has taken them: an observer that sees one finds it served.
        for change in changes { observe(change) }
        return changes.count
    }

    private func follow(_ workspace: WorkspaceID, _ published: PublishedModels) async throws -> [Event] {
        var changes: [Event] = []
        let local = files.versions(in: workspace)
        for version in local {
            guard let revision = published.revisions[version] else { continue }
            // A copy this process did not make is taken for the original: a version never rewritten
            // is not copied again at every start.
            let copied = copiedRevisions.withLock { $0["\(workspace.rawValue)/\(version)"] } ?? 0
            if revision != copied, try await copy(version, revision: revision, in: workspace, replacing: true) {
                changes.append(.rewritten(workspace, version: version))
            }
        }
        for version in Set([published.newest, published.pinned].compactMap { $0 }).sorted() where !local.contains(version) {
            guard let revision = published.revisions[version] else { continue }
            if try await copy(version, revision: revision, in: workspace, replacing: false) {
                changes.append(.materialised(workspace, version: version))
            }
        }
        let localPin = files.pinnedVersion(in: workspace)
        // A pinned version that could not be copied (damaged) is not pinned here: the newest stays served.
        if localPin != published.pinned, published.pinned.map({ files.versions(in: workspace).contains($0) }) ?? true {
            try files.pin(published.pinned, in: workspace)
            changes.append(.pinned(workspace, version: published.pinned))
            logger.info(
                published.pinned == nil ? "model pin removed" : "model pin copied",
                metadata: ["attune.workspace": .string(workspace.rawValue),
                           "model.version": .string(published.pinned.map(String.init) ?? "newest")])
        }
        // Pruned: older than every published version but the pinned one. A version this process
        // saved and has not published yet is newer than those.
        if options.removePrunedCopies, let oldestKept = published.revisions.keys.filter({ $0 != published.pinned }).min() {
            let pin = files.pinnedVersion(in: workspace)
            for version in files.versions(in: workspace)
            where version < oldestKept && published.revisions[version] == nil && version != pin {
                files.remove(version: version, in: workspace)
                changes.append(.removed(workspace, version: version))
            }
        }
        return changes
    }

    /// Copies `version`; `false` when it was there already, refused as damaged or pruned meanwhile.
    private func copy(_ version: Int, revision: Int, in workspace: WorkspaceID, replacing: Bool) async throws -> Bool {
        let key = "\(workspace.rawValue)/\(version)"
        let refusal = "\(key)/r\(revision)"
        if refused.withLock({ $0.contains(refusal) }) { return false }
        do {
            guard let written = try await models.materialise(version: version, in: workspace, into: files, replacing: replacing)
            else { return false }
            copiedRevisions.withLock { $0[key] = written }
        } catch let damaged as DamagedModelVersion {
            refused.withLock { _ = $0.insert(refusal) }
            logger.error(
                "published model refused: its stored copy is damaged",
                metadata: ["attune.workspace": .string(workspace.rawValue), "model.version": .stringConvertible(version),
                           "reason": .string(damaged.reason)])
            observe(.refused(workspace, version: version))
            return false
        } catch let error as AttuneError where error.code == .notFound {
            return false
        }
        logger.info(
            replacing ? "published model copied again: rewritten by an erasure" : "published model copied",
            metadata: ["attune.workspace": .string(workspace.rawValue), "model.version": .stringConvertible(version)])
        return true
    }
}

/// The notification stream or the connection ended: listen again.
private struct ListenerEnded: Error {}
