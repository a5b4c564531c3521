import AttuneCore
import AttunePostgres
import AttuneTestSupport
import Foundation
import PostgresNIO
import Testing

/// `attune serve` and `attune worker` with `--store postgres://`, as separate processes: bad
/// settings are refused before anything starts; API replicas and workers on one database store
/// each event once, one worker leads and trains, every replica serves what it publishes, and
/// another worker takes over when the leader is killed.
struct PostgresProcessTests {
    @Test func aBadStoreURLIsRefusedWithoutShowingItsPassword() throws {
        let (status, _, error) = try AttuneProcess.run(
            ["serve", "--store", "postgres://attune:s3cr3t-never-shown@127.0.0.1:5432", "--port", "0"])
        #expect(status != 0)
        #expect(error.contains("names no database"), "\(error)")
        #expect(!error.contains("s3cr3t-never-shown"), "\(error)")

        let (other, _, otherError) = try AttuneProcess.run(["worker", "--store", "mysql://attune@localhost/attune"])
        #expect(other != 0)
        #expect(otherError.contains("unsupported scheme"), "\(otherError)")

        let (connections, _, connectionsError) = try AttuneProcess.run(
            ["worker", "--store", "postgres://attune@localhost/attune", "--store-connections", "0"])
        #expect(connections != 0)
        #expect(connectionsError.contains("--store-connections"), "\(connectionsError)")
    }

    @Test func theStoreURLMayComeFromTheEnvironment() throws {
        let (status, _, error) = try AttuneProcess.run(
            ["worker", "--data-dir", FileManagerTemp.directory().path],
            environment: ["ATTUNE_STORE": "postgresql://attune:s3cr3t-never-shown@db.internal/attune?sslmode=prefer"])
        #expect(status != 0)
        #expect(error.contains("sslmode"), "\(error)")
        #expect(!error.contains("s3cr3t-never-shown"), "\(error)")
    }

    /// Each process making keys of its own would hash one person's e-mail differently on each
    /// replica, so the shared keys are required before the database is even reached.
    @Test func processesOnADatabaseNeedTheSharedKeys() throws {
        let store = "postgres://attune@127.0.0.1:1/attune"
        let (status, _, error) = try AttuneProcess.run(
            ["serve", "--store", store, "--port", "0"], environment: ["ATTUNE_PII_KEYS": "", "ATTUNE_ADMIN_KEY": ""])
        #expect(status != 0)
        #expect(error.contains("ATTUNE_PII_KEYS"), "\(error)")

        let keys = try Self.generatedKeys()
        var withoutAdmin = keys
        withoutAdmin["ATTUNE_ADMIN_KEY"] = ""
        let (served, _, serveError) = try AttuneProcess.run(["serve", "--store", store, "--port", "0"], environment: withoutAdmin)
        #expect(served != 0)
        #expect(serveError.contains("ATTUNE_ADMIN_KEY"), "\(serveError)")

        var withoutTextSecret = keys
        withoutTextSecret["ATTUNE_TEXT_SECRET"] = ""
        let (texts, _, textError) = try AttuneProcess.run(
            ["serve", "--store", store, "--port", "0"], environment: withoutTextSecret)
        #expect(texts != 0)
        #expect(textError.contains("ATTUNE_TEXT_SECRET"), "\(textError)")

        var badKeys = keys
        badKeys["ATTUNE_PII_KEYS"] = "{\"matching\": 3}"
        let (worked, _, workerError) = try AttuneProcess.run(["worker", "--store", store], environment: badKeys)
        #expect(worked != 0)
        #expect(workerError.contains("ATTUNE_PII_KEYS"), "\(workerError)")
    }

    @Test func aDatabaseThatCannotBeReachedIsAClearErrorNotACrash() throws {
        let (reason, status, _, error) = try AttuneProcess.runToExit(
            ["worker", "--store", "postgres://attune:s3cr3t-never-shown@127.0.0.1:1/attune?connect_timeout=2",
             "--data-dir", FileManagerTemp.directory().path],
            environment: try Self.generatedKeys())
        #expect(reason == .exit, "ended by signal \(status): a crash, not an error: \(error)")
        #expect(status == 1, "\(error)")
        #expect(error.contains("storage_error"), "\(error)")
        #expect(error.contains("127.0.0.1:1/attune"), "\(error)")
        #expect(!error.contains("s3cr3t-never-shown"), "\(error)")
    }

    @Test(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage), .timeLimit(.minutes(5)))
    func replicasAndWorkersShareOneDatabase() async throws {
        try await PostgresTestServer.withFreshDatabase { database in
            let directory = FileManagerTemp.directory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let keys = try Self.generatedKeys()
            let admin = try #require(keys["ATTUNE_ADMIN_KEY"])
            let store = ["--store", Self.url(database)]
            // Every second from the first new event, a popularity model without tuning: the
            // election and the publication are under test, not the training.
            let retraining = [
                "--log-level", "info", "--retrain-seconds", "1", "--retrain-min-events", "1", "--retrain-model", "popular",
                "--retrain-time-budget", "0", "--model-poll-seconds", "0.2", "--segment-train-hours", "0",
            ]
            func start(_ name: String, _ arguments: [String]) throws -> RunningAttune {
                try RunningAttune(
                    arguments + store + ["--data-dir", directory.appendingPathComponent(name).path] + retraining,
                    in: directory, name: name, environment: keys)
            }
            let first = try start("worker-1", ["worker"])
            defer { first.kill9() }
            #expect(try await first.waitForLog("leadership acquired"), "\(first.log)")
            // The consent refresh starts beside migrate(): on this fresh database its first reads
            // find no table (42P01), which is expected and not worth an info line.
            #expect(!first.log.contains("postgres operation failed"), "\(first.log)")
            let second = try start("worker-2", ["worker"])
            defer { second.kill9() }
            #expect(try await second.waitForLog("waiting for leadership"), "\(second.log)")

            let replicas = try ["replica-1", "replica-2"].map { try start($0, ["serve", "--role", "api", "--port", "0"]) }
            defer { for replica in replicas { replica.kill9() } }
            var clients: [BlockingClient] = []
            for replica in replicas {
                #expect(try await replica.waitForOutput("role: api"), "\(replica.output)\(replica.log)")
                clients.append(BlockingClient(port: try Self.port(replica.output)))
            }
            #expect(!second.log.contains("leadership acquired"), "the first worker leads")

            // Each event goes to one replica, and every fourth to the other one too (a client
            // retrying elsewhere): each must be stored once.
            let users = (0..<12).map { "u\($0)" }
            var sent: Set<String> = []
            for (u, user) in users.enumerated() {
                var batch: [String] = []
                var ids: [String] = []
                for i in 0..<8 {
                    let id = UUID().uuidString.lowercased()
                    ids.append(id)
                    batch.append(#"{"id": "\#(id)", "type": "view", "userId": "\#(user)", "itemId": "item-\#((i * 5 + u) % 10)"}"#)
                }
                let body = #"{"batch": [\#(batch.joined(separator: ","))]}"#
                #expect(clients[u % 2].post(path: "/v1/events", key: admin, body: body) == 200)
                let again = #"{"batch": [\#(batch.enumerated().filter { $0.offset % 4 == 0 }.map(\.element).joined(separator: ","))]}"#
                #expect(clients[(u + 1) % 2].post(path: "/v1/events", key: admin, body: again) == 200)
                sent.formUnion(ids)
            }
            for client in clients {
                let stored = try client.storedEventIDList(users: users, key: admin)
                #expect(stored.count == sent.count, "each event stored once, read through either replica")
                #expect(Set(stored) == sent)
            }

            // The leader trains; both replicas serve its model.
            #expect(try await first.waitForLog("retraining finished"), "\(first.log)")
            for replica in replicas {
                #expect(try await replica.waitForLog("model promoted"), "\(replica.log)")
                #expect(!replica.log.contains("retraining started"), "a replica of role api trains nothing")
            }
            #expect(!second.log.contains("retraining started"), "the standby trains nothing")
            let before = try Self.servedVersion(clients[0], key: admin)
            #expect(before != nil)

            // Killed without warning, the leader's session ends and the standby takes over.
            first.kill9()
            #expect(try await second.waitForLog("leadership acquired"), "\(second.log)")
            let more = (0..<6).map { i in
                #"{"id": "\#(UUID().uuidString.lowercased())", "type": "purchase", "userId": "u\#(i)", "itemId": "item-9"}"#
            }
            #expect(clients[1].post(path: "/v1/events", key: admin, body: #"{"batch": [\#(more.joined(separator: ","))]}"#) == 200)
            #expect(try await second.waitForLog("retraining finished"), "\(second.log)")
            // The new version reaches both replicas (announced, copied, promoted).
            let deadline = ContinuousClock.now + .seconds(60)
            var versions: [Int?] = []
            repeat {
                versions = try clients.map { try Self.servedVersion($0, key: admin) }
                if versions.allSatisfy({ ($0 ?? 0) > (before ?? 0) }) { break }
                try await Task.sleep(for: .milliseconds(100))
            } while ContinuousClock.now < deadline
            #expect(versions.allSatisfy { ($0 ?? 0) > (before ?? 0) }, "served versions \(versions) after \(String(describing: before))")
            #expect(versions[0] == versions[1])

            // A replica killed without warning while a client sends to it loses no event it acknowledged.
            let victim = clients[1]
            let sender = Task.detached { () -> [String] in
                var acknowledged: [String] = []
                for n in 0..<2_000 {
                    let id = UUID().uuidString.lowercased()
                    let body = #"{"id": "\#(id)", "type": "view", "userId": "u\#(n % 12)", "itemId": "item-\#(n % 10)"}"#
                    guard let status = victim.post(path: "/v1/events", key: admin, body: body) else { break }
                    if status == 200 { acknowledged.append(id) }
                }
                return acknowledged
            }
            try await Task.sleep(for: .milliseconds(500))
            replicas[1].kill9()
            let acknowledged = await sender.value
            #expect(!acknowledged.isEmpty && acknowledged.count < 2_000, "killed mid-stream: \(acknowledged.count) acknowledged")
            let stored = Set(try clients[0].storedEventIDList(users: users, key: admin))
            #expect(Set(acknowledged).isSubset(of: stored), "every acknowledged event survives the replica")

            #expect(replicas[0].stop() == 0, "\(replicas[0].log)")
            #expect(second.stop() == 0, "\(second.log)")
            #expect(second.log.contains("leadership released"))
        }
    }

    /// The database drops every connection of a replica (a failover, a restart) while a client keeps
    /// sending: requests in flight are retried or answered 503, never a crash, and every event
    /// acknowledged with 200 is stored.
    @Test(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage), .timeLimit(.minutes(5)))
    func aReplicaOutlivesItsDatabaseConnectionsEnding() async throws {
        try await PostgresTestServer.withFreshDatabase { database in
            let directory = FileManagerTemp.directory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let keys = try Self.generatedKeys()
            let admin = try #require(keys["ATTUNE_ADMIN_KEY"])
            let replica = try RunningAttune(
                ["serve", "--role", "api", "--store", Self.url(database), "--data-dir", directory.appendingPathComponent("r").path,
                 "--port", "0", "--rate-limit", "0", "--log-level", "info"],
                in: directory, name: "replica", environment: keys)
            defer { replica.kill9() }
            #expect(try await replica.waitForOutput("role: api"), "\(replica.output)\(replica.log)")
            let client = BlockingClient(port: try Self.port(replica.output))

            // The client sends until the ending below is over (at least 300 events), so that
            // every round of it finds requests in flight.
            let stop = Locked(false)
            let sender = Task.detached { () -> (acknowledged: [String], statuses: [Int: Int]) in
                var acknowledged: [String] = []
                var statuses: [Int: Int] = [:]
                var n = 0
                while n < 300 || !stop.withLock({ $0 }), n < 20_000 {
                    let id = UUID().uuidString.lowercased()
                    let body = #"{"id": "\#(id)", "type": "view", "userId": "u\#(n % 7)", "itemId": "i\#(n % 13)"}"#
                    let status = client.post(path: "/v1/events", key: admin, body: body) ?? -1
                    statuses[status, default: 0] += 1
                    if status == 200 { acknowledged.append(id) }
                    n += 1
                }
                return (acknowledged, statuses)
            }
            // Every backend of the test database is ended, round after round, until a request
            // has met an ended connection (an idle one is just replaced, which proves less), at
            // least three times and at most twenty.
            var ended = 0
            for round in 0..<20 {
                if round >= 3, replica.log.contains("postgres operation retried") { break }
                try await Task.sleep(for: .milliseconds(300))
                ended += try await PostgresTestServer.admin(database) { connection in
                    let rows = try await connection.query(
                        """
                        SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                        WHERE datname = current_database() AND pid <> pg_backend_pid()
                        """, logger: PostgresTestServer.logger)
                    var count = 0
                    for try await value in rows.decode(Int.self) { count = value }
                    return count
                }
            }
            stop.withLock { $0 = true }
            let (acknowledged, statuses) = await sender.value
            #expect(ended > 0, "connections were ended")
            #expect(Set(statuses.keys).isSubset(of: [200, 503]), "only stored or a clear 503: \(statuses)")
            #expect(replica.process.isRunning, "no crash: \(replica.log)")
            #expect(replica.log.contains("postgres operation retried"), "a request met an ended connection and was retried")
            print("replica answers while its connections were ended \(ended) times: \(statuses)")
            // Recovered: it stores and reads again.
            #expect(client.post(path: "/v1/events", key: admin, body: #"{"type": "view", "userId": "u0", "itemId": "i0"}"#) == 200)
            let stored = Set(try client.storedEventIDList(users: (0..<7).map { "u\($0)" }, key: admin))
            #expect(Set(acknowledged).isSubset(of: stored), "every acknowledged event is stored")
            #expect(replica.stop() == 0, "\(replica.log)")
        }
    }

    /// The model version a replica's recommendations come from.
    static func servedVersion(_ client: BlockingClient, key: String) throws -> Int? {
        guard let body = client.get(path: "/v1/users/u1/recommendations?count=3", key: key) else { return nil }
        guard case .number(let version)? = try JSONParser().parse(body)["modelVersion"] else { return nil }
        return Int(version)
    }

    static func port(_ output: String) throws -> Int {
        guard let range = output.range(of: "http://127.0.0.1:"), let port = Int(output[range.upperBound...].prefix { $0.isNumber })
        else { throw CocoaError(.fileReadUnknown) }
        return port
    }

    /// `attune keys generate`, read as the environment it is meant for.
    static func generatedKeys() throws -> [String: String] {
        let (status, output, _) = try AttuneProcess.run(["keys", "generate"])
        #expect(status == 0)
        var keys: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            var value = line[line.index(after: equals)...]
            if value.hasPrefix("'"), value.hasSuffix("'") { value = value.dropFirst().dropLast() }
            keys[String(line[..<equals])] = String(value)
        }
        #expect(Set(keys.keys) == ["ATTUNE_ADMIN_KEY", "ATTUNE_WRITE_KEY", "ATTUNE_PII_KEYS", "ATTUNE_TEXT_SECRET", "ATTUNE_DASHBOARD_SECRET"])
        return keys
    }

    /// The test database as a URL for `--store`, password included (the configuration's
    /// description leaves it out).
    static func url(_ configuration: PostgresConfiguration) -> String {
        func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
        let secret = configuration.password.map { ":" + encoded($0) } ?? ""
        return "postgres://\(encoded(configuration.user))\(secret)@\(configuration.host):\(configuration.port)/"
            + "\(encoded(configuration.database))?sslmode=\(configuration.tls.rawValue)"
    }
}
