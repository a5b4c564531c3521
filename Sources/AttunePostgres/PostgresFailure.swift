import AttuneCore
import PostgresNIO

/// What went wrong talking to PostgreSQL, reduced to what decides a retry and what an operator
/// needs to read. Built from postgres-nio's errors, whose `description` is deliberately empty
/// (it may hold query data); only codes, SQLSTATEs and socket errors are read here, never the
/// server's detail text, which can quote row values.
struct PostgresFailure: Error, Sendable {
    enum Kind: Sendable, Equatable {
        /// No connection could be opened (refused, unknown host, TLS refused, timed out).
        case unreachable
        /// An open connection broke (server restart, backend terminated, network cut).
        case connectionLost
        /// The database answered too late: no connection leased or no reply within the deadline.
        case timedOut
        /// Serialization failure or deadlock: the transaction was rolled back and may be replayed.
        case transient
        /// Credentials refused, or the database or role does not exist: retrying cannot help.
        case rejected
        /// Anything else: a bug or a constraint, reported with its SQLSTATE.
        case other
    }

    var kind: Kind
    /// Safe to log: no values, no password.
    var reason: String
    /// Set when the connection broke while COMMIT was in flight: the transaction may or may not
    /// have been applied.
    var duringCommit = false

    var isRetryable: Bool { kind == .connectionLost || kind == .unreachable || kind == .timedOut || kind == .transient }

    static func classify(_ error: any Error) -> PostgresFailure {
        if let failure = error as? PostgresFailure { return failure }
        if let transaction = error as? PostgresTransactionError {
            if let begin = transaction.beginError { return classify(begin) }
            if let closure = transaction.closureError { return classify(closure) }
            if let commit = transaction.commitError {
                var failure = classify(commit)
                failure.duringCommit = true
                return failure
            }
            return PostgresFailure(kind: .other, reason: "transaction failed")
        }
        guard let error = error as? PSQLError else {
            if error is CancellationError { return PostgresFailure(kind: .timedOut, reason: "the request was cancelled") }
            return PostgresFailure(kind: .other, reason: "unexpected error \(type(of: error))")
        }
        switch error.code {
        case .server:
            return classify(sqlState: error.serverInfo?[.sqlState] ?? "?????")
        case .connectionError:
            return PostgresFailure(kind: .unreachable, reason: "cannot connect (\(socketReason(error.underlying)))")
        case .sslUnsupported, .failedToAddSSLHandler:
            return PostgresFailure(kind: .rejected, reason: "TLS was asked for and the server does not offer it")
        case .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
            return PostgresFailure(kind: .connectionLost, reason: "the connection was closed (\(error.code))")
        case .queryCancelled:
            return PostgresFailure(kind: .timedOut, reason: "the request was cancelled")
        case .poolClosed:
            return PostgresFailure(kind: .other, reason: "the store is shut down")
        case .authMechanismRequiresPassword:
            return PostgresFailure(kind: .rejected, reason: "the server asks for a password and the URL has none")
        case .unsupportedAuthMechanism, .saslError:
            return PostgresFailure(kind: .rejected, reason: "authentication failed (\(error.code))")
        default:
            return PostgresFailure(kind: .other, reason: "client error \(error.code)")
        }
    }

    /// SQLSTATE classes from the PostgreSQL manual, appendix A.
    static func classify(sqlState: String) -> PostgresFailure {
        switch sqlState {
        case "57P01", "57P02":
            return PostgresFailure(kind: .connectionLost, reason: "the server ended the connection (SQLSTATE \(sqlState))")
        case "57P03":
            return PostgresFailure(kind: .unreachable, reason: "the server is starting up or shutting down (SQLSTATE 57P03)")
        case "40001", "40P01":
            return PostgresFailure(kind: .transient, reason: "transaction conflict (SQLSTATE \(sqlState))")
        case "28P01", "28000":
            return PostgresFailure(kind: .rejected, reason: "the server refused the user or password (SQLSTATE \(sqlState))")
        case "3D000":
            return PostgresFailure(kind: .rejected, reason: "the database does not exist (SQLSTATE 3D000)")
        case "53300":
            return PostgresFailure(kind: .unreachable, reason: "the server has too many connections (SQLSTATE 53300)")
        case "57014":
            return PostgresFailure(
                kind: .timedOut, reason: "the statement was cancelled, or ran past the server's statement_timeout (SQLSTATE 57014)")
        case "25P03":
            // The server ended a session whose transaction sat idle too long: the connection is gone.
            return PostgresFailure(
                kind: .connectionLost, reason: "the server ended a transaction left idle too long (SQLSTATE 25P03)")
        default:
            if sqlState.hasPrefix("08") {
                return PostgresFailure(kind: .connectionLost, reason: "connection failure (SQLSTATE \(sqlState))")
            }
            return PostgresFailure(kind: .other, reason: "database error (SQLSTATE \(sqlState))")
        }
    }

    /// The socket error's text (`Connection refused (errno: 111)`): it names no data.
    private static func socketReason(_ underlying: (any Error)?) -> String {
        guard let underlying else { return "no reason given" }
        if let io = underlying as? IOError { return "\(io.description)" }
        return String(describing: underlying).prefix(200).description
    }

    /// The error callers see: `storage_error` (HTTP 503), naming the operation and the server.
    func attuneError(operation: String, server: String, attempts: Int) -> AttuneError {
        let tries = attempts > 1 ? " after \(attempts) attempts" : ""
        let outcome = duringCommit ? "; the connection broke during COMMIT, so the change may or may not be stored" : ""
        return AttuneError(code: .storage, message: "PostgreSQL \(server): \(operation) failed\(tries): \(reason)\(outcome)")
    }
}
