import AttuneCore
import AttuneServer
import AttuneTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// A self-signed certificate made for the test with the `openssl` command.
struct SelfSignedCertificate {
    let directory: URL
    var certificate: String { directory.appendingPathComponent("cert.pem").path }
    var key: String { directory.appendingPathComponent("key.pem").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}

struct TLSTests {
    @Test func theAPIAnswersOverHTTPSWithASelfSignedCertificate() async throws {
        let files = try SelfSignedCertificate()
        var server = try TestServer()
        server.tls = try TLSFiles.serverConfiguration(certificatePath: files.certificate, keyPath: files.key)
        try await server.makeApplication().test(.ahc(.https)) { client async throws in
            let health = try await client.call(.get, "/healthz", key: nil)
            #expect(health.status == 200)
            let stored = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type":"view","userId":"u1"}"#)
            #expect(stored.status == 200)
            #expect(try await client.call(.get, "/v1/stats").number("events") == 1)
        }
    }

    @Test func plainHTTPOnTheHTTPSPortIsClosedWithoutAnErrorInTheLog() async throws {
        let files = try SelfSignedCertificate()
        let server = try TestServer()
        var configuration = ServerConfiguration()
        configuration.tls = try TLSFiles.serverConfiguration(certificatePath: files.certificate, keyPath: files.key)
        let records = LogRecords()
        let logger = Logger(label: "tls-test") { _ in RecordingLogHandler(records: records) }
        let app = try buildApplication(configuration: configuration, dependencies: try await server.dependencies(), logger: logger)
        try await app.test(.ahc(.https)) { client async throws in
            let port = try #require(client.port)
            let reply = await RawHTTPExchange.roundTrip(Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: port)
            #expect(reply != nil, "the connection was left open")
            #expect(reply?.contains("200") != true)
            // The server still serves HTTPS afterwards.
            #expect(try await client.call(.get, "/healthz", key: nil).status == 200)
        }
        #expect(records.levels.allSatisfy { $0 < .error }, "\(records.messages)")
    }

    /// The header deadline counts from the accept, so a client stalling in the TLS handshake (here:
    /// sending nothing at all) is cut off too, quietly.
    @Test func aClientStallingInTheHandshakeIsCutOffQuietly() async throws {
        let files = try SelfSignedCertificate()
        let server = try TestServer()
        var configuration = ServerConfiguration()
        configuration.tls = try TLSFiles.serverConfiguration(certificatePath: files.certificate, keyPath: files.key)
        configuration.limits.headerTimeout = .seconds(1)
        let records = LogRecords()
        let logger = Logger(label: "tls-test") { _ in RecordingLogHandler(records: records) }
        let app = try buildApplication(configuration: configuration, dependencies: try await server.dependencies(), logger: logger)
        try await app.test(.ahc(.https)) { client async throws in
            let port = try #require(client.port)
            let reply = await RawHTTPExchange.roundTrip([], port: port, timeout: 10)
            #expect(reply != nil, "the connection was still open after 10 s")
            #expect(try await client.call(.get, "/healthz", key: nil).status == 200)
        }
        #expect(records.levels.allSatisfy { $0 < .error }, "\(records.messages)")
    }

    @Test func missingOrUnreadableFilesAreClearErrors() throws {
        let files = try SelfSignedCertificate()
        let garbage = files.directory.appendingPathComponent("garbage.pem").path
        _ = FileManager.default.createFile(atPath: garbage, contents: Data("not a pem file".utf8))
        for (certificate, key, field) in [
            ("/definitely/not/here.pem", files.key, "tls-cert"), (garbage, files.key, "tls-cert"),
            (files.certificate, "/definitely/not/here.pem", "tls-key"), (files.certificate, garbage, "tls-key"),
            (files.key, files.key, "tls-cert"),
        ] {
            #expect(throws: AttuneError.self) { try TLSFiles.serverConfiguration(certificatePath: certificate, keyPath: key) }
            do {
                _ = try TLSFiles.serverConfiguration(certificatePath: certificate, keyPath: key)
            } catch {
                #expect(error.field == field)
            }
        }
    }

    @Test func aKeyOfAnotherCertificateIsRefused() throws {
        let one = try SelfSignedCertificate()
        let two = try SelfSignedCertificate()
        #expect(throws: AttuneError.self) { try TLSFiles.serverConfiguration(certificatePath: one.certificate, keyPath: two.key) }
    }
}

/// Log records kept in memory, for checking what a server logged.
final class LogRecords: Sendable {
    private let entries = Locked<[(Logger.Level, String)]>([])
    func append(_ level: Logger.Level, _ message: String) { entries.withLock { $0.append((level, message)) } }
    var levels: [Logger.Level] { entries.withLock { $0.map(\.0) } }
    var messages: [String] { entries.withLock { $0.map(\.1) } }
}

struct RecordingLogHandler: LogHandler {
    let records: LogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        records.append(event.level, "\(event.message)")
    }
}
