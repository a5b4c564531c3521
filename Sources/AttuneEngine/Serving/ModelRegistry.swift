import AttuneCore
import AttuneML
import AttuneStore
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// The model each workspace is served from. Readers take the current `ServingModel` (an
/// immutable value); a newer snapshot on disk is loaded off the request path and swapped in
/// whole, so one response never mixes two versions.
package final class ModelRegistry: Sendable {
    package let files: ModelFiles
    private let current = Locked<[WorkspaceID: ServingModel]>([:])
    /// Versions already judged and refused, so each is logged once.
    private let refused = Locked<Set<String>>([])
    /// The file identity (``ModelFiles/stamp(version:in:)``) of each served snapshot when it was
    /// read: a rewritten file means an erasure by another process (the command line).
    private let stamps = Locked<[WorkspaceID: String]>([:])
    /// The digests of erased users per workspace (``adoptErasures(_:in:)``): every snapshot loaded
    /// is redacted by them, so a file an interrupted erasure left unredacted is never served.
    let erasedDigests = Locked<[WorkspaceID: Set<[UInt8]>]>([:])
    private let logger: Logger
    /// A new model whose validation NDCG@10 is lower than the served one's by more than this is
    /// not promoted automatically (an operator can still pin it).
    package let promotionMargin: Double

    package init(files: ModelFiles, logger: Logger, promotionMargin: Double = 0.01) {
        self.files = files
        self.logger = logger
        self.promotionMargin = promotionMargin
    }

    package func model(for workspace: WorkspaceID) -> ServingModel? {
        current.withLock { $0[workspace] }
    }

    /// The workspaces a model is served for.
    package func servedWorkspaces() -> [WorkspaceID] {
        current.withLock { Array($0.keys) }
    }

    /// Swaps in `model` (an online update of the served version) unless another version has been
    /// promoted since; returns whether it did. The served user vocabulary is kept: an online update
    /// never changes it, and it may hold erasures made while the update was computed.
    package func replace(_ model: ServingModel, ifServing version: Int, in workspace: WorkspaceID) -> Bool {
        current.withLock { all in
            guard let served = all[workspace], served.version == version else { return false }
            all[workspace] = model.replacingUsers(served.snapshot.users)
            return true
        }
    }

    /// Swaps in `model`, a live catalogue change of `base`, if `base` is still what is served
    /// (same version and load, no other change since); returns whether it did. The served user vocabulary
    /// is kept, as in ``replace(_:ifServing:in:)``.
    package func replace(_ model: ServingModel, ifStill base: ServingModel, in workspace: WorkspaceID) -> Bool {
        current.withLock { all in
            guard let served = all[workspace], served.version == base.version, served.generation == base.generation,
                served.revision == base.revision
            else {
                return false
            }
            all[workspace] = model.replacingUsers(served.snapshot.users)
            return true
        }
    }

    /// Swaps in `model`, loaded from a snapshot redacted by `known` (the digests recorded when
    /// the load began), then drops every user erased since: a load takes seconds, and an erasure
    /// adopted meanwhile dropped its users from the model this one replaces, not from this one.
    /// Each erasure is dropped by one of the two: either it read the served model after this
    /// swap, or it recorded its digests before this looks at them.
    package func serve(_ model: ServingModel, redactedBy known: Set<[UInt8]>, in workspace: WorkspaceID) {
        current.withLock { $0[workspace] = model }
        let since = (erasedDigests.withLock { $0[workspace] } ?? []).subtracting(known)
        dropServedUsers(erased: since, in: workspace)
    }

    /// Stops serving `user`'s learned vector from the served model only (stored snapshots keep
    /// it): what a withdrawal of personalization consent needs, since serving checks consent too
    /// and the next training leaves the person out. - Returns: whether the model held the user.
    @discardableResult
    package func dropServedUser(_ user: UserID, in workspace: WorkspaceID) -> Bool {
        current.withLock { all in
            guard let served = all[workspace],
                let redacted = served.snapshot.redactingUsers(where: { $0 == user.rawValue })
            else { return false }
            all[workspace] = served.replacingUsers(redacted.users)
            return true
        }
    }

    /// Stops serving the learned vector of every user whose digest is in `digests` at once: the
    /// served model and every stored snapshot of the workspace get a placeholder in place of the
    /// id (files are rewritten whole, once each, and renamed over the old ones). Returns how many
    /// stored snapshots named one of them. Blocks on file I/O: call it off the cooperative pool.
    /// - Throws: when a snapshot cannot be rewritten; the served model is redacted before that.
    @discardableResult
    package func redact(erased digests: Set<[UInt8]>, in workspace: WorkspaceID) throws -> Int {
        adoptErasures(digests, in: workspace)
        let rewritten = try files.redact(erased: digests, in: workspace)
        if let served = model(for: workspace), let stamp = files.stamp(version: served.version, in: workspace) {
            stamps.withLock { $0[workspace] = stamp }
        }
        return rewritten
    }

    /// Takes the erasures another process wrote into the served snapshot's file: its placeholders
    /// replace the served ids at the same indices. Only ever adds placeholders, and keeps online
    /// updates (the factors are not reloaded).
    private func adoptRedactions(of served: ServingModel, in workspace: WorkspaceID) {
        guard let stamp = files.stamp(version: served.version, in: workspace),
            stamp != stamps.withLock({ $0[workspace] })
        else { return }
        stamps.withLock { $0[workspace] = stamp }
        do {
            let stored = try files.load(version: served.version, in: workspace).users
            current.withLock { all in
                guard let now = all[workspace], now.version == served.version, stored.count == now.snapshot.users.count else {
                    return
                }
                var keys = now.snapshot.users.keys
                var changed = false
                for (index, key) in stored.keys.enumerated()
                where ModelSnapshot.isErasedPlaceholder(key) && !ModelSnapshot.isErasedPlaceholder(keys[index]) {
                    keys[index] = key
                    changed = true
                }
                if changed { all[workspace] = now.replacingUsers(Vocabulary(keys)) }
            }
        } catch {
            logger.warning(
                "served model file unreadable: erasures in it not taken",
                metadata: ["attune.workspace": .string(workspace.rawValue), "model.version": .stringConvertible(served.version),
                           "error": .string(String(describing: error))])
        }
    }

    /// Serves, for every workspace, the pinned version or else the newest one, unless the newest is
    /// worse on validation than the served model by more than `promotionMargin`. A snapshot that
    /// fails to load is logged and skipped; the served model stays.
    package func refresh() {
        let workspaces = (try? FileManager.default.contentsOfDirectory(atPath: files.directory.path)) ?? []
        for name in workspaces {
            guard let workspace = try? WorkspaceID(validating: name) else { continue }
            let pinned = files.pinnedVersion(in: workspace)
            guard let wanted = pinned ?? files.versions(in: workspace).last else { continue }
            let served = model(for: workspace)
            if let served, served.version == wanted {
                adoptRedactions(of: served, in: workspace)
                continue
            }
            // Judged per pin state: a version refused automatically may still be pinned by hand.
            let key = "\(name)/\(wanted)/\(pinned != nil)"
            if refused.withLock({ $0.contains(key) }) { continue }
            do {
                let stamp = files.stamp(version: wanted, in: workspace)
                let known = erasedDigests.withLock { $0[workspace] } ?? []
                let snapshot = Self.redacting(try files.load(version: wanted, in: workspace), by: known)
                if pinned == nil, let served, let reason = Self.regression(of: snapshot, against: served.snapshot, margin: promotionMargin) {
                    refused.withLock { _ = $0.insert(key) }
                    logger.warning(
                        "model not promoted: worse on validation than the served one",
                        metadata: ["attune.workspace": .string(name), "model.version": .stringConvertible(wanted),
                                   "model.served": .stringConvertible(served.version), "reason": .string(reason)])
                    continue
                }
                let serving = ServingModel(
                    snapshot: snapshot, storedIndex: files.loadIndex(for: snapshot), retrievalMinimumItems: files.indexMinimumItems)
                if let source = serving.indexSource, source != "loaded" {
                    logger.warning(
                        "model index rebuilt at load",
                        metadata: ["attune.workspace": .string(name), "model.version": .stringConvertible(wanted),
                                   "reason": .string(source)])
                }
                serve(serving, redactedBy: known, in: workspace)
                stamps.withLock { $0[workspace] = stamp }
                Self.report(serving.memory, of: workspace)
                logger.info(
                    "model promoted",
                    metadata: ["attune.workspace": .string(name), "model.version": .stringConvertible(wanted),
                               "model.family": .string(snapshot.family.rawValue), "model.pinned": .stringConvertible(pinned != nil),
                               "model.index": .string(serving.indexSource ?? "none")])
            } catch {
                refused.withLock { _ = $0.insert(key) }
                logger.warning(
                    "model not promoted: snapshot failed to load",
                    metadata: ["attune.workspace": .string(name), "model.version": .stringConvertible(wanted),
                               "error": .string(String(describing: error))])
            }
        }
    }

    /// The served model's accounted bytes by part, as `attune_model_memory_bytes{workspace,part}`
    /// (what `attune bench memory` holds the server's resident memory against).
    static func report(_ memory: ServingMemory, of workspace: WorkspaceID) {
        let parts = [
            ("factors", memory.factors), ("index", memory.index), ("vocabularies", memory.vocabularies),
            ("interactions", memory.interactions), ("derived", memory.derived),
        ]
        for (part, bytes) in parts {
            Gauge(label: "attune_model_memory_bytes", dimensions: [("workspace", workspace.rawValue), ("part", part)])
                .record(bytes)
        }
    }

    /// ``refresh()`` on a thread of its own: reading a large snapshot, or rebuilding its index,
    /// takes seconds that must not hold a thread of the cooperative pool serving requests.
    package func refreshOffThePool() async throws {
        try await ModelTraining.offTheCooperativePool { [self] in refresh() }
    }

    /// Why `candidate` should not replace `served`, or `nil` when it may. Models without
    /// validation metrics (too little data to tune) are not compared.
    package static func regression(of candidate: ModelSnapshot, against served: ModelSnapshot, margin: Double) -> String? {
        guard case .number(let new)? = candidate.metadata["validation"]?["ndcg@10"],
            case .number(let old)? = served.metadata["validation"]?["ndcg@10"]
        else { return nil }
        guard new < old - margin else { return nil }
        return "validation NDCG@10 \(new) is below the served model's \(old) by more than \(margin)"
    }
}

/// Polls the model directory and promotes new snapshots while the server runs.
package struct ModelWatcher: Service {
    let registry: ModelRegistry
    let interval: Duration

    /// Where erased users are recorded: read before every poll, so that no snapshot is served
    /// with a vector of someone erased (by another process, or by an erasure interrupted before
    /// it rewrote the files).
    let erasures: (any PersonalDataStore)?

    package init(registry: ModelRegistry, interval: Duration = .seconds(5), erasures: (any PersonalDataStore)? = nil) {
        self.registry = registry
        self.interval = interval
        self.erasures = erasures
    }

    /// Refreshes unless the erasures cannot be read: serving nothing new beats serving an erased
    /// person's vector, and the next poll tries again.
    private func poll() async throws {
        if let erasures {
            do { try await registry.adoptErasures(from: erasures) } catch { return }
        }
        try await registry.refreshOffThePool()
    }

    package func run() async throws {
        try await poll()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            try await poll()
        }
    }
}
