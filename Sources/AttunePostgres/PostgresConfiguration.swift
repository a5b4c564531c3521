import AttuneCore

/// Where the PostgreSQL store lives and how to reach it, read from a connection URL:
/// `postgres://user:password@host:port/database?sslmode=disable`.
///
/// The URL comes from a flag or an environment variable, so it is treated as hostile: every part
/// is checked and a bad one is named in an ``AttuneError`` (`invalid_value`, field `store`).
/// The password never appears in an error, a log line or ``description``.
package struct PostgresConfiguration: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// How the connection is encrypted; the names and meanings are libpq's `sslmode`.
    package enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP: for a server on the same machine or a private network.
        case disable
        /// TLS without checking the certificate (libpq's `require`): encrypted, not authenticated.
        case require
        /// TLS with the certificate checked against the system's roots and the host name.
        case verifyFull = "verify-full"
    }

    package var host: String
    package var port: Int
    package var user: String
    /// Secret: kept out of `description` and errors.
    package var password: String?
    package var database: String
    package var tls: TLSMode
    /// Seconds to wait for the TCP (and TLS) connection (libpq's `connect_timeout`).
    package var connectTimeoutSeconds: Int
    /// Shown in `pg_stat_activity`, so that an operator can tell the replicas' connections apart.
    package var applicationName: String

    package static let defaultPort = 5432
    package static let defaultConnectTimeoutSeconds = 10
    package static let defaultApplicationName = "attune"

    package init(
        host: String, port: Int = Self.defaultPort, user: String, password: String? = nil, database: String,
        tls: TLSMode = .disable, connectTimeoutSeconds: Int = Self.defaultConnectTimeoutSeconds,
        applicationName: String = Self.defaultApplicationName
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
    }

    /// The URL without its password, for logs and error messages.
    package var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let secret = password == nil ? "" : ":***"
        return "postgres://\(user)\(secret)@\(shownHost):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    package var debugDescription: String { description }

    /// `host:port/database`: what errors and logs name; no user, no password.
    package var serverName: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(shownHost):\(port)/\(database)"
    }

    /// Without the password, so that `dump` and debuggers do not print it either.
    package var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "user": user, "password": password == nil ? "nil" : "***", "database": database,
                "tls": tls, "connectTimeoutSeconds": connectTimeoutSeconds, "applicationName": applicationName,
            ])
    }

    /// The same server with another database: tests create a database each and connect to it.
    package func with(database: String) -> PostgresConfiguration {
        var copy = self
        copy.database = database
        return copy
    }
}

extension PostgresConfiguration {
    /// The query parameters understood, with libpq's names so that a URL written for `psql` works.
    package static let knownParameters: Set<String> = ["sslmode", "connect_timeout", "application_name"]

    /// Parses `postgres://` or `postgresql://` URLs.
    ///
    /// `user` and `database` are required (no guess from the environment: a replica must connect
    /// where it is told). User, password and database may be percent-encoded; the host may be a
    /// name, an IPv4 address or a bracketed IPv6 address.
    /// - Throws: `AttuneError` `invalid_value` with field `store`, naming the part that is wrong.
    package init(url raw: String) throws(AttuneError) {
        func fail(_ message: String) -> AttuneError { .invalid("store", message) }
        guard raw.utf8.count <= 4096 else { throw fail("the PostgreSQL URL is longer than 4096 bytes") }
        guard !raw.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0x20 }) else {
            throw fail("the PostgreSQL URL must not contain spaces or control characters")
        }
        guard let schemeEnd = raw.firstRange(of: "://") else {
            throw fail("the PostgreSQL URL must start with postgres:// or postgresql://")
        }
        let scheme = raw[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw fail("unsupported scheme '\(scheme.prefix(32))': use postgres:// or postgresql://")
        }
        var rest = raw[schemeEnd.upperBound...]
        if rest.contains("#") { throw fail("the PostgreSQL URL must not have a fragment (#...)") }

        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let slash = rest.firstIndex(of: "/") else {
            throw fail("the PostgreSQL URL names no database: add /DATABASE after the host")
        }
        let authority = rest[..<slash]
        let path = rest[rest.index(after: slash)...]

        // The password may itself contain '@' when percent-encoding was forgotten: the last '@'
        // ends the user information, as libpq reads it.
        guard let at = authority.lastIndex(of: "@") else {
            throw fail("the PostgreSQL URL names no user: use postgres://USER@HOST/DATABASE")
        }
        let userInfo = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]

        let rawUser: Substring
        var password: String?
        if let colon = userInfo.firstIndex(of: ":") {
            rawUser = userInfo[..<colon]
            // Never echo the decoded or raw password: a typo in it would end up in a log.
            guard let decoded = Self.percentDecoded(userInfo[userInfo.index(after: colon)...]), !decoded.utf8.contains(0)
            else {
                throw fail("the password in the PostgreSQL URL has a bad percent-encoding")
            }
            password = decoded
        } else {
            rawUser = userInfo
        }
        guard let user = Self.percentDecoded(rawUser), !user.utf8.contains(0) else {
            throw fail("the user in the PostgreSQL URL has a bad percent-encoding")
        }
        guard !user.isEmpty else { throw fail("the PostgreSQL URL names no user: use postgres://USER@HOST/DATABASE") }
        guard user.utf8.count <= 63 else { throw fail("the user in the PostgreSQL URL is longer than 63 bytes") }

        let (host, port) = try Self.hostAndPort(hostPort, fail: fail)

        guard !path.isEmpty else { throw fail("the PostgreSQL URL names no database: add /DATABASE after the host") }
        guard !path.contains("/") else { throw fail("the database in the PostgreSQL URL must be one path segment") }
        guard let database = Self.percentDecoded(path) else {
            throw fail("the database in the PostgreSQL URL has a bad percent-encoding")
        }
        guard !database.isEmpty, database.utf8.count <= 63 else {
            throw fail("the database in the PostgreSQL URL must be 1 to 63 bytes")
        }
        guard !database.utf8.contains(0) else { throw fail("the database in the PostgreSQL URL contains a NUL byte") }

        self.init(host: host, port: port, user: user, password: password, database: database)
        try applyParameters(query, fail: fail)
    }

    private mutating func applyParameters(_ query: Substring, fail: (String) -> AttuneError) throws(AttuneError) {
        guard !query.isEmpty else { return }
        var seen: Set<String> = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: false) {
            guard let equals = pair.firstIndex(of: "=") else {
                throw fail("the parameter '\(pair.prefix(32))' in the PostgreSQL URL has no value (use name=value)")
            }
            let name = String(pair[..<equals])
            guard Self.knownParameters.contains(name) else {
                throw fail(
                    "unknown parameter '\(name.prefix(32))' in the PostgreSQL URL; known: "
                        + Self.knownParameters.sorted().joined(separator: ", "))
            }
            guard seen.insert(name).inserted else { throw fail("the parameter '\(name)' appears twice in the PostgreSQL URL") }
            guard let value = Self.percentDecoded(pair[pair.index(after: equals)...]) else {
                throw fail("the value of '\(name)' in the PostgreSQL URL has a bad percent-encoding")
            }
            switch name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw fail(
                        "sslmode must be one of " + TLSMode.allCases.map(\.rawValue).joined(separator: ", ")
                            + " (prefer and allow are not supported: they fall back to plain text silently)")
                }
                tls = mode
            case "connect_timeout":
                guard let seconds = Int(value), (1...3600).contains(seconds) else {
                    throw fail("connect_timeout must be a whole number of seconds from 1 to 3600")
                }
                connectTimeoutSeconds = seconds
            default:
                guard !value.isEmpty, value.utf8.count <= 63, !value.utf8.contains(where: { $0 < 0x20 }) else {
                    throw fail("application_name must be 1 to 63 bytes without control characters")
                }
                applicationName = value
            }
        }
    }

    private static func hostAndPort(_ text: Substring, fail: (String) -> AttuneError) throws(AttuneError) -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw fail("the IPv6 host in the PostgreSQL URL lacks its closing ']'")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("unexpected text after the IPv6 host in the PostgreSQL URL") }
                portText = after.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw fail("the IPv6 host in the PostgreSQL URL is not an address")
            }
        } else {
            if let colon = text.firstIndex(of: ":") {
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            } else {
                host = text
            }
            if host.contains(",") {
                throw fail("the PostgreSQL URL names several hosts; only one is supported")
            }
            guard !host.isEmpty else { throw fail("the PostgreSQL URL names no host: use postgres://USER@HOST/DATABASE") }
            guard host.utf8.count <= 253,
                host.utf8.allSatisfy({ byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                })
            else {
                throw fail("the host in the PostgreSQL URL must be a name or an address (letters, digits, '-', '.', '_')")
            }
        }
        var port = defaultPort
        if let portText {
            guard !portText.isEmpty, portText.utf8.count <= 5, portText.allSatisfy(\.isASCII),
                let number = Int(portText), (1...65535).contains(number)
            else {
                throw fail("the port in the PostgreSQL URL must be a number from 1 to 65535")
            }
            port = number
        }
        return (String(host), port)
    }

    /// `%XX` decoding of a URL part; `nil` when an escape is cut short, not hexadecimal or the
    /// result is not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
