import AttuneCore

/// Where model versions are shared between processes that do not share a data directory: every
/// replica of a deployment on PostgreSQL serves what the trainers publish there. On SQLite there
/// is none (`nil` wherever one is taken): the data directory is the shared place.
///
/// Whatever saves a new version (``ModelTraining``, and through it ``RetrainingScheduler`` and
/// `attune train`) numbers it by ``reserveVersion(in:atLeast:)`` and, once ``ModelFiles`` saved it,
/// calls ``publish(version:in:from:)``; an erasure calls ``redact(erased:in:)``; `attune models
/// promote|rollback` call ``pin(_:in:)``.
package protocol ModelPublisher: Sendable {
    /// A version number for a new training of `workspace`, never handed out before (to any process),
    /// above every published version and at least `atLeast` (the local directory's next, so that
    /// the local save cannot collide with an older file).
    func reserveVersion(in workspace: WorkspaceID, atLeast: Int) async throws -> Int

    /// Publishes `version` as ``ModelFiles`` saved it in `files`' directory.
    func publish(version: Int, in workspace: WorkspaceID, from files: ModelFiles) async throws

    /// Rewrites every published version of `workspace` that names a user whose id hashes to one of
    /// `digests`, with a placeholder in its place. - Returns: how many versions were rewritten.
    @discardableResult
    func redact(erased digests: Set<[UInt8]>, in workspace: WorkspaceID) async throws -> Int

    /// The published versions, oldest first.
    func versions(in workspace: WorkspaceID) async throws -> [Int]

    /// The version every replica serves instead of the newest, if an operator pinned one.
    func pinnedVersion(in workspace: WorkspaceID) async throws -> Int?

    /// Pins `version` (it must be published) for every replica, or removes the pin with `nil`.
    func pin(_ version: Int?, in workspace: WorkspaceID) async throws
}
