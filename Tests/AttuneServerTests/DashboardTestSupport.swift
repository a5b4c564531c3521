import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// A browser's view of the dashboard in tests: the session cookie it was given, and form posts
/// from this site (`Origin` naming the host, as browsers send it).
struct DashboardBrowser {
    /// The router test framework names every request's authority `localhost`.
    static let host = "localhost"
    var cookie: String?

    static func formHeaders(origin: String? = "http://\(host)") -> HTTPFields {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        headers[.init("Host")!] = host
        if let origin { headers[.origin] = origin }
        return headers
    }

    /// Posts the sign-in form; keeps the cookie when one is set.
    mutating func signIn(_ client: some TestClientProtocol, key: String, origin: String? = "http://\(host)") async throws -> Reply {
        let reply = try await post(client, "/dashboard/login", form: "key=\(Self.encode(key))", origin: origin)
        if let setCookie = reply.headers[.setCookie], reply.status == 303 {
            cookie = String(setCookie.split(separator: ";")[0])
        }
        return reply
    }

    func get(_ client: some TestClientProtocol, _ uri: String) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .get, headers: headers) { response in
            Reply(status: Int(response.status.code), json: nil, text: String(buffer: response.body), headers: response.headers)
        }
    }

    func post(_ client: some TestClientProtocol, _ uri: String, form: String, origin: String? = "http://\(host)") async throws -> Reply {
        var headers = Self.formHeaders(origin: origin)
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: form)) { response in
            Reply(status: Int(response.status.code), json: nil, text: String(buffer: response.body), headers: response.headers)
        }
    }

    /// The sign-out form's token, read from a page.
    static func csrf(in page: String) -> String? {
        guard let range = page.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    static func encode(_ text: String) -> String {
        text.utf8.map { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                String(UnicodeScalar(byte))
            default: "%" + String(byte, radix: 16, uppercase: true)
            }
        }.joined()
    }
}

/// An application over the test server whose dependencies the test keeps (to seed, train and
/// revoke keys under the running router).
struct DashboardHarness {
    let server: TestServer
    let dependencies: ServerDependencies

    init(pii: PIIProtection? = nil) async throws {
        var server = try TestServer()
        server.pii = pii
        self.server = server
        dependencies = try await server.dependencies()
    }

    func application() throws -> some ApplicationProtocol {
        var configuration = ServerConfiguration()
        configuration.rateLimit = nil
        return try buildApplication(configuration: configuration, dependencies: dependencies, logger: Logger(label: "test"))
    }

    static let hostileTitle = "<script>alert('item')</script>"
    static let hostileUser = "<script>alert(\"user\")</script>"

    /// The smallest data that fills every page: a catalogue (one item with a hostile title),
    /// users with events (one with a hostile id), a rule segment with recorded sizes, a trained
    /// model being served, and a running experiment with exposures, impressions and clicks.
    func seed() async throws {
        let store = server.store
        let now = server.clock.now()
        var items = (0..<6).map { Fixtures.item("sku-\($0)", title: "Lamp \($0)", categories: ["home"]) }
        items.append(Fixtures.item("sku-x", title: Self.hostileTitle, categories: ["home"]))
        try await store.upsert(items, in: .default)
        var events: [Event] = []
        var n: UInt64 = 0
        let users = (0..<12).map { "shopper-\($0)" } + [Self.hostileUser]
        for (u, user) in users.enumerated() {
            for i in 0..<5 where (i + u) % 3 != 0 {
                n += 1
                events.append(Fixtures.event(n, user: user, item: "sku-\(i)", at: -Int64(n) * 60_000))
            }
            n += 1
            events.append(Fixtures.event(n, user: user, item: "sku-x", at: -Int64(n) * 60_000))
        }
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        try await store.record(
            Identify(anonymousID: nil, userID: UserID(unchecked: "shopper-1"), traits: #"{"country":"DE","plan":"gold"}"#, timestamp: now),
            in: .default)

        let segment = try await SegmentService(store: store, clock: server.clock)
            .create(try SegmentDefinition(name: "Lamp lovers", rule: "traits.events > 2"), in: .default)
        try await store.recordSegmentSizes(
            in: .default, at: now.adding(milliseconds: -3_600_000), keepingSince: now.adding(milliseconds: -86_400_000))

        var tuner = ModelTuner()
        tuner.quick = true
        tuner.threads = 1
        _ = try await ModelTraining(store: store, files: dependencies.models.files, clock: server.clock)
            .run(workspace: .default, family: .knn, tuner: tuner)
        dependencies.models.refresh()

        let definition = #"""
            {"key": "checkout-test", "name": "Checkout button", "status": "running",
             "variants": [{"key": "blue-button"}, {"key": "green-button"}],
             "metrics": [{"name": "ctr", "kind": "ratio", "event": "click", "denominator": "impression"}]}
            """#
        _ = try await dependencies.experiments.create(try JSONParser().parse(definition), in: .default)
        let bandit = #"""
            {"key": "bandit-test", "name": "Banner bandit", "status": "running", "allocation": "thompson",
             "banditContexts": ["\#(segment.id.rawValue)"],
             "variants": [{"key": "banner-a"}, {"key": "banner-b"}, {"key": "banner-c"}],
             "metrics": [{"name": "clicked", "kind": "conversion", "event": "click"}]}
            """#
        _ = try await dependencies.experiments.create(try JSONParser().parse(bandit), in: .default)
        var outcomes: [Event] = []
        for user in users {
            _ = try await dependencies.experiments.assign(ExperimentKey(unchecked: "checkout-test"), unit: UserID(unchecked: user), in: .default)
            _ = try await dependencies.experiments.assign(ExperimentKey(unchecked: "bandit-test"), unit: UserID(unchecked: user), in: .default)
            n += 1
            // Impressions and clicks of a served list echo its recommendationId: only those count
            // as the model's click-through.
            let list = #"{"modelVersion":1,"recommendationId":"list-\#(user)"}"#
            var impression = Fixtures.event(n, type: EventType(unchecked: "impression"), user: user, item: nil, at: 1_000)
            impression.properties = list
            outcomes.append(impression)
            if user.hasSuffix("1") || user.hasSuffix("2") || user.hasSuffix("5") {
                n += 1
                var click = Fixtures.event(n, type: .click, user: user, item: nil, at: 2_000)
                click.properties = list
                outcomes.append(click)
            }
        }
        _ = try await store.append([EventBatch(workspace: .default, events: outcomes)])
        dependencies.clickThrough.record(outcomes, in: .default)
        try await dependencies.experiments.updateBandits(in: .default, seed: 7)
    }
}

/// A structural check of a page: every non-void element closed in order, one `<html>`, and the
/// inline SVG's elements balanced too. Not a validator; it catches broken markup from a bug in
/// the page code or from text that was not escaped.
enum MarkupCheck {
    static let void: Set<String> = ["meta", "input", "br", "link", "hr", "img"]

    /// Problems found; empty when the page is well-formed enough.
    static func problems(_ html: String) -> [String] {
        var stack: [String] = []
        var problems: [String] = []
        var rest = Substring(html)
        while let open = rest.firstIndex(of: "<") {
            rest = rest[rest.index(after: open)...]
            guard let close = rest.firstIndex(of: ">") else {
                problems.append("unclosed tag at the end")
                break
            }
            let tag = rest[..<close]
            rest = rest[rest.index(after: close)...]
            if tag.hasPrefix("!") { continue }
            if tag.hasPrefix("/") {
                let name = tag.dropFirst().lowercased()
                if stack.last == name {
                    stack.removeLast()
                } else {
                    problems.append("</\(name)> closes <\(stack.last ?? "nothing")>")
                }
                continue
            }
            let name = tag.prefix { !$0.isWhitespace && $0 != "/" }.lowercased()
            if name == "style", let end = rest.range(of: "</style>") {
                rest = rest[end.upperBound...]
                continue
            }
            if name == "script" { problems.append("a <script> element") }
            if tag.hasSuffix("/") || void.contains(name) { continue }
            stack.append(name)
        }
        if !stack.isEmpty { problems.append("left open: \(stack)") }
        return problems
    }
}
