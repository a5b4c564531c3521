import AttuneCore
import AttuneStore
import Foundation

/// `attune import movielens DIR`: MovieLens 100k as RecBole ships it (`ml-100k.inter`,
/// `ml-100k.item`, `ml-100k.user`, tab separated with typed headers).
///
/// Every rating becomes a `rate` event whose value is the rating; genres become categories; the
/// user file's age, gender, occupation and zip code become declared traits.
package struct MovieLensImporter: Sendable {
    package struct Report: Sendable {
        package var events: ImportReport
        package var items: ImportReport
        package var users: ImportReport
    }

    private let store: any AttuneStorage
    private let clock: any WallClock

    package init(store: any AttuneStorage, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    package func run(
        directory: String, workspace: WorkspaceID, progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }
    ) async throws -> Report {
        let base = URL(fileURLWithPath: directory)
        let inter = base.appendingPathComponent("ml-100k.inter").path
        let item = base.appendingPathComponent("ml-100k.item").path
        let user = base.appendingPathComponent("ml-100k.user").path
        for path in [inter, item, user] where !FileManager.default.fileExists(atPath: path) {
            throw ImportFailure.unreadable("\(path) is missing; fetch it with scripts/fetch-movielens.sh \(directory)")
        }
        var itemColumns = ItemColumns()
        itemColumns.title = "movie_title"
        itemColumns.categories = "class"
        itemColumns.listSeparator = " "
        let items = try await ItemImporter(store: store, clock: clock)
            .run(path: item, workspace: workspace, format: .tsv, columns: itemColumns, progress: progress)
        let users = try await UserImporter(store: store, clock: clock)
            .run(path: user, workspace: workspace, format: .tsv, userColumn: "user_id", progress: progress)
        var options = ImportOptions()
        options.workspace = workspace
        options.format = .tsv
        options.columns = ColumnMapping(user: "user_id", item: "item_id", time: "timestamp", value: "rating")
        options.defaultType = .rate
        let events = try await EventImporter(store: store, clock: clock).run(path: inter, options: options, progress: progress)
        return Report(events: events, items: items, users: users)
    }
}
