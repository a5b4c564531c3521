import NIOCore
import NIOSSL
import PostgresNIO

extension PostgresConfiguration {
    /// The pooled client's settings.
    /// - Parameter statementTimeout: the server's limit on one statement and on a transaction
    ///   left idle, sent in each connection's startup packet (so no connection is ever lent without it).
    /// - Throws: when the TLS context cannot be made (no system trust roots for `verify-full`).
    func clientConfiguration(maximumConnections: Int, statementTimeout: Duration) throws -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: try clientTLS())
        configuration.options.connectTimeout = .seconds(Int64(connectTimeoutSeconds))
        configuration.options.maximumConnections = maximumConnections
        let milliseconds = String(Self.milliseconds(statementTimeout))
        configuration.options.additionalStartupParameters = [
            ("application_name", applicationName),
            ("statement_timeout", milliseconds),
            ("idle_in_transaction_session_timeout", milliseconds),
        ]
        return configuration
    }

    /// Whole milliseconds, at least 1: PostgreSQL reads 0 as "no limit".
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds * 1_000 + attoseconds / 1_000_000_000_000_000)
    }

    /// The settings of a single connection outside the pool: migrations hold a session-level
    /// advisory lock, which must stay on one connection from lock to unlock.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch self.tls {
            case .disable: .disable
            case .require, .verifyFull: .require(try NIOSSLContext(configuration: tlsConfiguration()))
            }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(Int64(connectTimeoutSeconds))
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }

    private func clientTLS() throws -> PostgresClient.Configuration.TLS {
        switch tls {
        case .disable: .disable
        case .require, .verifyFull: .require(tlsConfiguration())
        }
    }

    private func tlsConfiguration() -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        // libpq's `require` encrypts without authenticating the server; `verify-full` checks both
        // the chain and the host name, which is NIOSSL's default.
        if tls == .require { configuration.certificateVerification = .none }
        return configuration
    }
}
