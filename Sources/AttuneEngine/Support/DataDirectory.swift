import AttuneStore
import Foundation

/// The on-disk layout of a data directory: `attune.sqlite` (+ WAL), `credentials.json`.
package enum DataDirectory {
    package static let databaseFileName = "attune.sqlite"

    /// Creates the directory if needed and opens its store; with pseudonymisation keys present, segment
    /// rules read the protected attributes' values.
    package static func openStore(
        _ path: String, durability: SQLiteStore.Durability = .full, profiles: Bool = true
    ) throws -> SQLiteStore {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let store = try SQLiteStore(
            path: URL(fileURLWithPath: path).appendingPathComponent(databaseFileName).path, durability: durability, profiles: profiles)
        // Every command that may evaluate segments (serve, imports, segment commands) opens the
        // store here, so rules over pseudonymised attributes see their values wherever they run.
        if let keys = try PIIKeys.loadIfPresent(dataDirectory: path, environment: ProcessInfo.processInfo.environment) {
            let protection = PIIProtection(keys: keys)
            store.revealDeclaredValues(with: protection.revealed)
        }
        return store
    }
}
