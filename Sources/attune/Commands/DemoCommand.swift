import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import Foundation
import Logging

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate a synthetic shop, import it, exercise the live API, and report. Works offline.",
        discussion: "Running it again the same day adds nothing: every generated event has a content-derived id.")

    @Option(name: .customLong("data-dir"), help: "Data directory (default ./attune-data).")
    var dataDirectory: String?

    @Option(help: "Number of users to generate.") var users = 2_000
    @Option(help: "Number of items to generate.") var items = 600
    @Option(help: "Random seed.") var seed: UInt64 = 42

    func validate() throws {
        guard (10...1_000_000).contains(users) else { throw ValidationError("--users must be from 10 to 1000000") }
        guard (10...1_000_000).contains(items) else { throw ValidationError("--items must be from 10 to 1000000") }
    }

    func run() async throws {
        let directory = dataDirectory ?? Environment.value("ATTUNE_DATA_DIR") ?? "./attune-data"
        let clock = SystemClock()
        let started = ContinuousClock.now
        var configuration = DemoShop.Configuration()
        configuration.users = users
        configuration.items = items
        configuration.seed = seed
        // Anchored to the start of today so that a re-run the same day regenerates identical
        // events (and content-derived ids) and adds nothing.
        let today = clock.now().millisecondsSinceEpoch / 86_400_000 * 86_400_000
        let shop = DemoShop(configuration: configuration, now: Timestamp(millisecondsSinceEpoch: today))
        print("1. generated a shop: \(shop.items.count) items in \(Set(shop.items.flatMap(\.categories)).count) categories, "
            + "\(shop.users.count) users, \(shop.events.count) events (\(Self.describeTypes(shop.events))), "
            + "\(shop.links.count) anonymous visitors who later signed in")

        let store = try DataDirectory.openStore(directory)
        let keys = try await KeyProvisioning(store: store, clock: clock)
            .provision(dataDirectory: directory, adminKey: nil, writeKey: nil)
        let importStart = ContinuousClock.now
        try await store.upsert(shop.items, in: .default)
        try await store.record(shop.users + shop.links, in: .default)
        var inserted = 0
        var duplicates = 0
        var offset = 0
        while offset < shop.events.count {
            let chunk = Array(shop.events[offset..<min(offset + 20_000, shop.events.count)])
            let result = try await store.append([EventBatch(workspace: .default, events: chunk)])
            inserted += result[0].inserted
            duplicates += result[0].duplicates
            offset += chunk.count
        }
        let importSeconds = Self.seconds(ContinuousClock.now - importStart)
        print("2. imported into \(directory): \(inserted) new events, \(duplicates) already there, "
            + String(format: "%.2f s", importSeconds))

        // Item-kNN with its default candidate: seconds even in a debug build; `attune train` tunes
        // every family properly.
        var tuner = ModelTuner()
        tuner.quick = true
        let trained = try await ModelTraining(store: store, files: ModelFiles(dataDirectory: directory), clock: clock)
            .run(workspace: .default, family: .knn, tuner: tuner)
        print("3. trained model v\(trained.version) (\(trained.family.rawValue)) on \(trained.users.count) users and "
            + "\(trained.items.count) items in \(trained.metadata["trainingSeconds"]?.serialized() ?? "?") s")

        // Three more sources know some of the same people under their own ids and differently written addresses.
        let identities = try DemoIdentities(shopUsers: shop.users.map(\.userID))
        let identity = IdentityResolution(
            store: store, clock: clock,
            keys: try PIIKeys.load(dataDirectory: directory, environment: ProcessInfo.processInfo.environment))
        let merges = try await identities.load(into: store, identity: identity, at: Timestamp(millisecondsSinceEpoch: today))
        print("3b. imported \(identities.records.count) records from shop, crm, newsletter and support: \(merges) merges"
            + (merges == 0 ? " (merged already)" : "") + "; merged profiles:")
        for line in try await Self.mergedProfiles(store: store, shopUsers: identities.records.filter { $0.source == "shop" }.map(\.user)) {
            print("   " + line)
        }

        let segments = try await Self.createSegments(store: store, clock: clock)
        print("4. segments: " + segments.map { "\($0.name) (\($0.members))" }.joined(separator: ", "))

        let admin = keys.adminKey ?? ""
        let write = keys.writeKey ?? ""
        var logger = Logger(label: "attune.demo")
        logger.logLevel = .warning
        let live = try await InProcessServer.with(store: store, dataDirectory: directory, logger: logger) { port in
            try Self.exerciseAPI(port: port, adminKey: admin, writeKey: write)
        }
        print("5. started the API on 127.0.0.1:\(live.port), then stopped it:")
        for line in live.lines { print("   " + line) }

        let counts = Dictionary(shop.events.filter { $0.type == .purchase }.map { ($0.itemID!, 1) }, uniquingKeysWith: +)
        let titles = Dictionary(uniqueKeysWithValues: shop.items.map { ($0.id, $0.title ?? $0.id.rawValue) })
        print("6. best sellers:")
        for (item, count) in counts.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }).prefix(5) {
            print("   \(count) purchases  \(item)  \(titles[item] ?? "")")
        }
        print(String(format: "done in %.2f s. Next: `attune serve --data-dir %@` and query the API with the admin key from %@",
                     Self.seconds(ContinuousClock.now - started), directory, keys.credentialsPath))
    }

    /// One line per merged person: the ids it was merged from, how, its events and declared attributes.
    static func mergedProfiles(store: SQLiteStore, shopUsers: [UserID]) async throws -> [String] {
        var lines: [String] = []
        for user in shopUsers {
            let canonical = try await store.canonicalUser(of: user, in: .default)
            let merged = try await store.mergedUsers(into: canonical, in: .default)
            let reasons = Set(try await store.merges(involving: [canonical] + merged, in: .default)
                .filter { $0.undoneAt == nil }.map(\.reason)).sorted()
            let events = try await store.profile(of: canonical, in: .default)?.traits.eventCount ?? 0
            let declared = try await store.traits(of: canonical, in: .default) ?? "{}"
            lines.append("\(canonical) <- \(merged.map(\.rawValue).joined(separator: ", ")) (via \(reasons.joined(separator: ", "))): "
                + "\(events) events, declared \(declared)")
        }
        return lines
    }

    /// Rule segments the dashboard and `segment=` requests can show; kept when already there.
    static let segments = [
        ("Frequent shoppers", "traits.sessions >= 5"),
        ("Buyers", "traits.purchases >= 1"),
        ("Big spenders", "traits.monetary > 60"),
    ]

    static func createSegments(store: SQLiteStore, clock: any WallClock) async throws -> [(name: String, members: Int)] {
        let service = SegmentService(store: store, clock: clock)
        var out: [(name: String, members: Int)] = []
        for (name, rule) in segments {
            var segment = try await service.find(name, in: .default)
            if segment == nil { segment = try await service.create(SegmentDefinition(name: name, rule: rule), in: .default) }
            guard let segment else { continue }
            out.append((name, try await store.memberCount(of: segment.id, in: .default)))
        }
        // The first point of the dashboard's sizes-over-time chart; the server's sweep adds the rest.
        let now = clock.now()
        try await store.recordSegmentSizes(
            in: .default, at: now, keepingSince: Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch - SegmentSweep.sizeHistory.components.seconds * 1_000))
        return out
    }

    struct LiveReport: Sendable {
        var port: Int
        var lines: [String]
    }

    static func exerciseAPI(port: Int, adminKey: String, writeKey: String) throws -> LiveReport {
        let client = LoopbackHTTPClient(port: port)
        var lines: [String] = []
        let batch = """
            {"batch": [
              {"id": "6f1c2a52-5d7e-4c43-9a57-0d9c1b7e0001", "type": "page_view", "anonymousId": "demo-visitor", "context": {"pageUrl": "https://shop.example/"}},
              {"id": "6f1c2a52-5d7e-4c43-9a57-0d9c1b7e0002", "type": "view", "anonymousId": "demo-visitor",
               "itemId": "sku-10001"},
              {"id": "6f1c2a52-5d7e-4c43-9a57-0d9c1b7e0003", "type": "add_to_cart", "anonymousId": "demo-visitor", "itemId": "sku-10001"},
              {"type": "purchase", "userId": 42, "itemId": "sku-10001", "value": "not a number"}
            ]}
            """
        let post = try client.send(
            method: "POST", path: "/v1/events", headers: [("Authorization", "Bearer \(writeKey)"), ("Content-Type", "application/json")],
            body: Array(batch.utf8))
        lines.append("POST /v1/events (4 events, one invalid) -> \(post.status) \(summary(post.text))")
        let identify = try client.send(
            method: "POST", path: "/v1/identify", headers: [("Authorization", "Bearer \(writeKey)")],
            body: Array(#"{"anonymousId": "demo-visitor", "userId": "user-1", "traits": {"plan": "gold"}}"#.utf8))
        lines.append("POST /v1/identify -> \(identify.status)")
        let forbidden = try client.send(method: "GET", path: "/v1/stats", headers: [("Authorization", "Bearer \(writeKey)")])
        lines.append("GET /v1/stats with the write key -> \(forbidden.status) (the write key may only send)")
        let stats = try client.send(method: "GET", path: "/v1/stats", headers: [("Authorization", "Bearer \(adminKey)")])
        lines.append("GET /v1/stats -> \(stats.status) \(stats.text)")
        let history = try client.send(
            method: "GET", path: "/v1/users/user-1/events?limit=2", headers: [("Authorization", "Bearer \(adminKey)")])
        lines.append("GET /v1/users/user-1/events?limit=2 -> \(history.status), \(history.body.count) bytes")
        // The registry promotes the freshly trained model within a poll interval.
        var recommendations = try client.send(
            method: "GET", path: "/v1/users/user-7/recommendations?count=3", headers: [("Authorization", "Bearer \(adminKey)")])
        for _ in 0..<50 where (try? JSONParser().parse(recommendations.text))?["modelVersion"] == .null {
            usleep(100_000)
            recommendations = try client.send(
                method: "GET", path: "/v1/users/user-7/recommendations?count=3", headers: [("Authorization", "Bearer \(adminKey)")])
        }
        lines.append("GET /v1/users/user-7/recommendations?count=3 -> \(recommendations.status) \(recommendations.text)")
        lines += try DemoExperiment.run(client, adminKey: adminKey, writeKey: writeKey)
        return LiveReport(port: port, lines: lines)
    }

    static func summary(_ text: String) -> String {
        guard let json = try? JSONParser().parse(text) else { return text }
        let accepted = json["accepted"].map { $0.serialized() } ?? "?"
        let duplicates = json["duplicates"].map { $0.serialized() } ?? "?"
        let rejected = json["rejected"].map { value -> String in
            guard case .array(let items) = value else { return "?" }
            return items.compactMap { $0["error"]?["field"]?.stringValue }.joined(separator: ",")
        } ?? ""
        return "accepted \(accepted), duplicates \(duplicates), rejected [\(rejected)]"
    }

    static func describeTypes(_ events: [Event]) -> String {
        let counts = Dictionary(events.map { ($0.type.rawValue, 1) }, uniquingKeysWith: +)
        return counts.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
