import AttuneCore
import AttuneEngine
import Logging

/// ``ModelPublisher`` on PostgreSQL: versions numbered and published by ``PostgresModelStore``,
/// where every replica's ``PostgresModelChannel`` copies them from; after each publication the
/// versions beyond the newest ``keepNewest`` are pruned.
///
/// The leader's publisher is ``fenced``: its publications, prunings and pins are leader-only
/// writes, made with the token of the term whose work makes them (``LeaderTerm``) and refused by
/// the database once a later term has begun. Redaction is not fenced: an erasure must reach the
/// published versions from any process, leading or not.
package struct PostgresModelPublisher: ModelPublisher {
    package let models: PostgresModelStore
    let clock: any WallClock
    /// How many versions of a workspace are kept after a publication (and beside them the pinned
    /// one and the ``protected`` ones); `nil` keeps all. Each kept version costs an erasure a
    /// rewrite (seconds for a model of tens of megabytes), hence few by default.
    package let keepNewest: Int?
    /// Versions never pruned: what this process's registry serves (an older version when the
    /// newest was refused as worse on validation).
    let protected: @Sendable (WorkspaceID) -> Set<Int>
    /// Whether publications, prunings and pins are the leader's: each then needs
    /// ``LeaderTerm/fencingToken`` (it is refused outside a term's work) and the database refuses
    /// it once that term was superseded. Off for the commands an operator runs.
    package let fenced: Bool
    let logger: Logger

    package init(
        models: PostgresModelStore, clock: any WallClock, keepNewest: Int? = 5, fenced: Bool = false, logger: Logger,
        protected: @escaping @Sendable (WorkspaceID) -> Set<Int> = { _ in [] }
    ) {
        self.models = models
        self.clock = clock
        self.keepNewest = keepNewest.map { max($0, 1) }
        self.fenced = fenced
        self.protected = protected
        self.logger = logger
    }

    /// Keeps the version `registry` serves from pruning.
    package init(
        models: PostgresModelStore, clock: any WallClock, keepNewest: Int? = 5, fenced: Bool = false, logger: Logger,
        registry: ModelRegistry
    ) {
        self.init(models: models, clock: clock, keepNewest: keepNewest, fenced: fenced, logger: logger) { workspace in
            registry.model(for: workspace).map { [$0.version] } ?? []
        }
    }

    /// The token a leader-only write carries: `nil` when not ``fenced``.
    /// - Throws: ``FencedWriteRefused`` when fenced and the caller is no work of a term.
    private func fencingToken() throws -> FencingToken? {
        guard fenced else { return nil }
        guard let token = LeaderTerm.fencingToken else { throw FencedWriteRefused(term: nil, current: nil) }
        return token
    }

    package func reserveVersion(in workspace: WorkspaceID, atLeast: Int) async throws -> Int {
        try await models.nextVersion(in: workspace, atLeast: atLeast)
    }

    package func publish(version: Int, in workspace: WorkspaceID, from files: ModelFiles) async throws {
        let token = try fencingToken()
        try await models.publish(version: version, in: workspace, from: files, at: clock.now(), fencedBy: token)
        guard let keepNewest else { return }
        do {
            try await models.prune(
                in: workspace, keepNewest: keepNewest, alsoKeep: protected(workspace).union([version]), fencedBy: token)
        } catch {
            // Published all the same: the next publication prunes.
            logger.warning(
                "pruning old model versions failed",
                metadata: ["attune.workspace": .string(workspace.rawValue), "error": .string(String(describing: error))])
        }
    }

    @discardableResult
    package func redact(erased digests: Set<[UInt8]>, in workspace: WorkspaceID) async throws -> Int {
        try await models.redact(erased: digests, in: workspace)
    }

    package func versions(in workspace: WorkspaceID) async throws -> [Int] {
        try await models.published(in: workspace).revisions.keys.sorted()
    }

    package func pinnedVersion(in workspace: WorkspaceID) async throws -> Int? {
        try await models.published(in: workspace).pinned
    }

    package func pin(_ version: Int?, in workspace: WorkspaceID) async throws {
        try await models.pin(version, in: workspace, at: clock.now(), fencedBy: try fencingToken())
    }
}
