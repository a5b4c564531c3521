import AttuneCore

/// `attune models promote|rollback`: which version is served instead of the newest. Without a
/// publisher the pin is a file in the data directory (``ModelFiles/pin(_:in:)``), which the
/// registry of every process on that directory follows; with one (PostgreSQL) it is stored in the
/// database and announced, and each replica's model channel writes it into its own directory.
package struct ModelPinning: Sendable {
    let files: ModelFiles
    let publisher: (any ModelPublisher)?

    package init(files: ModelFiles, publisher: (any ModelPublisher)? = nil) {
        self.files = files
        self.publisher = publisher
    }

    /// The versions that can be pinned, oldest first.
    package func versions(in workspace: WorkspaceID) async throws -> [Int] {
        if let publisher { return try await publisher.versions(in: workspace) }
        return files.versions(in: workspace)
    }

    package func pinnedVersion(in workspace: WorkspaceID) async throws -> Int? {
        if let publisher { return try await publisher.pinnedVersion(in: workspace) }
        return files.pinnedVersion(in: workspace)
    }

    /// The version a server would serve now: the pinned one, else the newest.
    package func served(in workspace: WorkspaceID) async throws -> Int? {
        if let pinned = try await pinnedVersion(in: workspace) { return pinned }
        return try await versions(in: workspace).last
    }

    /// Pins `version`, or removes the pin with `nil` so that the newest is served.
    /// - Throws: `not_found` when the version does not exist.
    package func pin(_ version: Int?, in workspace: WorkspaceID) async throws {
        if let publisher { return try await publisher.pin(version, in: workspace) }
        try files.pin(version, in: workspace)
    }

    /// Pins the version before the one served. - Returns: the pinned version and the one served before.
    /// - Throws: `not_found` when there is no earlier version.
    package func rollback(in workspace: WorkspaceID) async throws -> (pinned: Int, was: Int) {
        guard let served = try await served(in: workspace),
            let previous = try await versions(in: workspace).last(where: { $0 < served })
        else { throw AttuneError.notFound("an earlier version to roll back to") }
        try await pin(previous, in: workspace)
        return (previous, served)
    }
}
