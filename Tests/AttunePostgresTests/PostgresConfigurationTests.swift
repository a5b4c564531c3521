import AttuneCore
import AttunePostgres
import Testing

struct PostgresConfigurationTests {
    @Test func parsesEveryPart() throws {
        let configuration = try PostgresConfiguration(
            url: "postgres://attune:s3cret@db.internal:6543/events?sslmode=require&connect_timeout=3&application_name=replica-1")
        #expect(configuration == PostgresConfiguration(
            host: "db.internal", port: 6543, user: "attune", password: "s3cret", database: "events", tls: .require,
            connectTimeoutSeconds: 3, applicationName: "replica-1"))
    }

    @Test(arguments: [
        ("postgresql://u@localhost/db", PostgresConfiguration(host: "localhost", user: "u", database: "db")),
        ("POSTGRES://u:@127.0.0.1:5433/db", PostgresConfiguration(host: "127.0.0.1", port: 5433, user: "u", password: "", database: "db")),
        ("postgres://u@[::1]:7000/db", PostgresConfiguration(host: "::1", port: 7000, user: "u", database: "db")),
        ("postgres://u@[fe80::1]/db?sslmode=verify-full", PostgresConfiguration(host: "fe80::1", user: "u", database: "db", tls: .verifyFull)),
        // Percent-encoded user, password and database; an '@' left in a password ends at the last '@'.
        ("postgres://us%40er:p%3Ass%2Fw%25d@h/my%20db", PostgresConfiguration(host: "h", user: "us@er", password: "p:ss/w%d", database: "my db")),
        ("postgres://u:p@ss@h/db", PostgresConfiguration(host: "h", user: "u", password: "p@ss", database: "db")),
        ("postgres://u@h/db?sslmode=disable", PostgresConfiguration(host: "h", user: "u", database: "db", tls: .disable)),
    ])
    func acceptsGoodURLs(_ url: String, _ expected: PostgresConfiguration) throws {
        #expect(try PostgresConfiguration(url: url) == expected)
    }

    @Test(arguments: [
        ("", "must start with postgres://"),
        ("localhost:5432/db", "must start with postgres://"),
        ("mysql://u@h/db", "unsupported scheme 'mysql'"),
        ("http://u@h/db", "unsupported scheme 'http'"),
        ("postgres://u@h", "names no database"),
        ("postgres://u@h/", "names no database"),
        ("postgres://u@h:5432", "names no database"),
        ("postgres://u@h/a/b", "one path segment"),
        ("postgres://h/db", "names no user"),
        ("postgres://@h/db", "names no user"),
        ("postgres://:pw@h/db", "names no user"),
        ("postgres://u@/db", "names no host"),
        ("postgres://u@h:/db", "port"),
        ("postgres://u@h:0/db", "port"),
        ("postgres://u@h:65536/db", "port"),
        ("postgres://u@h:-1/db", "port"),
        ("postgres://u@h:54x2/db", "port"),
        ("postgres://u@h:99999999999999999999/db", "port"),
        ("postgres://u@h1,h2/db", "several hosts"),
        ("postgres://u@h!st/db", "must be a name or an address"),
        ("postgres://u@[::1/db", "closing ']'"),
        ("postgres://u@[zz::1]/db", "not an address"),
        ("postgres://u@[::1]x/db", "after the IPv6 host"),
        ("postgres://u@h/db?sslmode=prefer", "sslmode must be one of"),
        ("postgres://u@h/db?sslmode=", "sslmode must be one of"),
        ("postgres://u@h/db?sslmode=disable&sslmode=require", "appears twice"),
        ("postgres://u@h/db?sslmode", "has no value"),
        ("postgres://u@h/db?sslrootcert=/etc/ca.pem", "unknown parameter 'sslrootcert'"),
        ("postgres://u@h/db?connect_timeout=0", "connect_timeout"),
        ("postgres://u@h/db?connect_timeout=ten", "connect_timeout"),
        ("postgres://u@h/db?application_name=", "application_name"),
        ("postgres://u@h/db#frag", "fragment"),
        ("postgres://u@h/d%zzb", "database in the PostgreSQL URL has a bad percent-encoding"),
        ("postgres://u@h/d%00b", "NUL"),
        ("postgres://u%ff@h/db", "user in the PostgreSQL URL has a bad percent-encoding"),
        ("postgres://u@h/db with space", "spaces or control characters"),
        ("postgres://u@h/db\n", "spaces or control characters"),
    ])
    func rejectsBadURLsNamingThePart(_ url: String, _ expected: String) {
        do {
            _ = try PostgresConfiguration(url: url)
            Issue.record("accepted \(url)")
        } catch {
            #expect(error.code == .invalidValue)
            #expect(error.field == "store")
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func rejectsAnOverlongURL() {
        #expect(throws: AttuneError.self) { try PostgresConfiguration(url: "postgres://u@h/" + String(repeating: "d", count: 5000)) }
        #expect(throws: AttuneError.self) { try PostgresConfiguration(url: "postgres://u@h/" + String(repeating: "d", count: 64)) }
    }

    @Test(arguments: [
        "postgres://u:hunter2@h/db?sslmode=bogus",
        "postgres://u:hunter2@h:99999/db",
        "postgres://u:hunter2@h/db?unknown=hunter2",
        "postgres://u:hunter2%zz@h/db",
        "postgres://u:hunter2@/db",
    ])
    func errorsNeverShowThePassword(_ url: String) {
        do {
            _ = try PostgresConfiguration(url: url)
            Issue.record("accepted \(url)")
        } catch {
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test func descriptionHidesThePassword() throws {
        let configuration = try PostgresConfiguration(url: "postgres://attune:hunter2@db:5432/events")
        #expect(!configuration.description.contains("hunter2"))
        #expect(configuration.description == "postgres://attune:***@db:5432/events?sslmode=disable")
        #expect(configuration.serverName == "db:5432/events")
        #expect(!String(reflecting: configuration).contains("hunter2"))
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!dumped.contains("hunter2"))
    }
}
