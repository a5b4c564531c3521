import ArgumentParser
import AttuneCore
import Foundation

#if PostgreSQL
    import AttunePostgres
#endif

/// Where `serve`, `worker` and the administrative commands (``CommandStore``) keep their data:
/// SQLite in the data directory (the default), or a PostgreSQL database that several processes share.
struct StoreOptions: ParsableArguments {
    static let environmentVariable = "ATTUNE_STORE"

    @Option(
        name: .customLong("store"),
        help: ArgumentHelp(
            "postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=disable|require|verify-full: keep the data in a PostgreSQL database shared by several processes (--data-dir then holds only this process's copy of the models). Default: SQLite in --data-dir. Prefer the ATTUNE_STORE variable: a flag shows the password in process listings.",
            valueName: "url"))
    var store: String?

    @Option(help: "Connections this process may open to PostgreSQL (each is a server process).")
    var storeConnections: Int = 10

    func validate() throws {
        guard (1...200).contains(storeConnections) else { throw ValidationError("--store-connections must be from 1 to 200") }
        _ = try location()
    }

    enum Location {
        case sqlite
        #if PostgreSQL
            case postgres(PostgresConfiguration)
        #endif
    }

    /// The flag, else the environment variable; SQLite when neither is set.
    func location(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Location {
        guard let url = store ?? environment[Self.environmentVariable], !url.isEmpty else { return .sqlite }
        #if PostgreSQL
            do {
                return .postgres(try PostgresConfiguration(url: url))
            } catch {
                // The message never repeats the URL: it may hold a password.
                throw ValidationError("--store: \(error.message)")
            }
        #else
            throw ValidationError("--store: this attune was built without the PostgreSQL trait; only SQLite (--data-dir) is available")
        #endif
    }
}
