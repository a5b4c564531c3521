import AttuneStore
import Foundation

/// The on-disk layout of a data directory: `attune.sqlite` (+ WAL), `credentials.json`.
package enum DataDirectory {
    package static let databaseFileName = "attune.sqlite"

    /// Creates the directory if needed and opens its store.
    package static func openStore(
        _ path: String, durability: SQLiteStore.Durability = .full, profiles: Bool = true
    ) throws -> SQLiteStore {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return try SQLiteStore(path: URL(fileURLWithPath: path).appendingPathComponent(databaseFileName).path, durability: durability, profiles: profiles)
    }
}
