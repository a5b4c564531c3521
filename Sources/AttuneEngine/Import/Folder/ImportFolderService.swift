import AttuneCore
import AttuneStore
import Logging
import ServiceLifecycle

/// Runs ``ImportFolder`` scans: one at start, then every `interval`, until shutdown.
package struct ImportFolderService: Service {
    let folder: ImportFolder
    let interval: Duration

    package init(folder: ImportFolder, interval: Duration) {
        self.folder = folder
        self.interval = interval
    }

    package func run() async throws {
        var state = ImportFolder.ScanState()
        _ = await folder.scan(&state)
        await PeriodicWork.run(every: interval) {
            _ = await folder.scan(&state)
        }
    }
}

extension ImportFolder {
    /// The importers of each kind into `workspace`, as `attune import` runs them.
    /// - Parameters:
    ///   - pii: pseudonymises personal user traits (users and transactions) and refuses personal data as
    ///     a user id (every kind that names users); `nil` stores them as sent.
    ///   - identity: merges people who share an identifier across files, as `attune import` does.
    package static func importer(
        store: any AttuneStorage, clock: any WallClock, consent: ConsentService, pii: PIIProtection?,
        identity: IdentityResolution? = nil, workspace: WorkspaceID = .default
    ) -> Importer {
        { kind, path in
            switch kind {
            case .events:
                var options = ImportOptions()
                options.workspace = workspace
                options.pii = pii
                return try await EventImporter(store: store, clock: clock).run(path: path, options: options)
            case .users:
                var importer = UserImporter(store: store, clock: clock)
                importer.pii = pii
                importer.identity = identity
                return try await importer.run(path: path, workspace: workspace, actor: "import-folder")
            case .items:
                return try await ItemImporter(store: store, clock: clock).run(path: path, workspace: workspace)
            case .transactions:
                var importer = TransactionImporter(store: store, clock: clock)
                importer.pii = pii
                importer.identity = identity
                return try await importer.run(path: path, workspace: workspace, actor: "import-folder")
            case .consent:
                var importer = ConsentImporter(service: consent)
                importer.refusesPersonalIDs = pii != nil
                return try await importer.run(path: path, workspace: workspace, actor: "import-folder")
            }
        }
    }
}
