import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct ExperimentsAPITests {
    static let definition = #"""
        {"key": "rec-strategy", "name": "Model vs popular",
         "variants": [{"key": "control", "strategy": "popular"}, {"key": "model", "strategy": "default"}],
         "status": "running",
         "metrics": [{"name": "purchase_rate", "kind": "conversion", "event": "purchase"},
                     {"name": "ctr", "kind": "ratio", "event": "click", "denominator": "impression"}],
         "guardrails": [{"name": "revenue", "kind": "sum", "event": "purchase"}]}
        """#

    @Test func createAssignAndReadResults() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let created = try await client.call(.post, "/v1/experiments", body: Self.definition)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json?["status"] == .string("running"))
            #expect(created.json?["startedAt"] != .null)

            var variants: [String: String] = [:]
            for i in 0..<200 {
                let reply = try await client.call(.get, "/v1/experiments/rec-strategy/assignment?user=u\(i)", key: TestServer.read)
                #expect(reply.status == 200, "\(reply.text)")
                #expect(reply.json?["inExperiment"] == .bool(true))
                variants["u\(i)"] = reply.json?["variant"]?.stringValue
                // Sticky: the same answer on every call.
                let again = try await client.call(.get, "/v1/experiments/rec-strategy/assignment?user=u\(i)", key: TestServer.read)
                #expect(again.json?["variant"] == reply.json?["variant"])
            }
            let counts = try await server.store.exposureCounts(of: ExperimentKey(unchecked: "rec-strategy"), in: .default)
            #expect(counts.values.reduce(0, +) == 200, "each unit is logged once")
            #expect(Set(variants.values) == ["control", "model"])

            var batch: [String] = []
            for (user, variant) in variants {
                batch.append(#"{"type": "impression", "userId": "\#(user)", "timestamp": 1767225700000}"#)
                if variant == "model" || user.hasSuffix("7") {
                    batch.append(#"{"type": "click", "userId": "\#(user)", "timestamp": 1767225700000}"#)
                    batch.append(#"{"type": "purchase", "userId": "\#(user)", "value": 10, "timestamp": 1767225700000}"#)
                }
            }
            let stored = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"batch": [\#(batch.joined(separator: ","))]}"#)
            #expect(stored.status == 200, "\(stored.text)")

            let results = try await client.call(.get, "/v1/experiments/rec-strategy/results")
            #expect(results.status == 200, "\(results.text)")
            #expect(!results.text.contains("NaN") && !results.text.contains("inf"))
            guard case .array(let metrics)? = results.json?["results"]?["metrics"] else {
                Issue.record("no metrics in \(results.text)")
                return
            }
            #expect(metrics.count == 3)
            let purchase = metrics[0]["variants"]
            guard case .array(let arms)? = purchase else { return }
            #expect(arms[1]["value"] == .number(1), "every model unit purchased")
            if case .number(let p)? = arms[1]["pValue"] { #expect(p < 1e-6) } else { Issue.record("no p-value: \(results.text)") }
            if case .number(let beat)? = arms[1]["probabilityToBeatControl"] { #expect(beat > 0.99) }
            #expect(results.json?["results"]?["sampleRatioMismatch"]?["mismatch"] == .bool(false))
        }
    }

    @Test func recommendationsFollowTheVariantsStrategy() async throws {
        let server = try TestServer()
        try await RecommendationsAPITests.seed(server)
        try await RecommendationsAPITests.train(server)
        try await server.makeApplication().test(.router) { client in
            _ = try await RecommendationsAPITests.waitForVersion(1, client: client)
            _ = try await client.call(.post, "/v1/experiments", body: Self.definition)
            var seen = Set<String>()
            for community in ["a", "b"] {
                for i in 0..<20 {
                    let user = "\(community)\(i)"
                    let reply = try await client.call(.get, "/v1/users/\(user)/recommendations?experiment=rec-strategy", key: TestServer.read)
                    #expect(reply.status == 200, "\(reply.text)")
                    let variant = try #require(reply.json?["experiment"]?["variant"]?.stringValue)
                    #expect(reply.json?["experiment"]?["inExperiment"] == .bool(true))
                    #expect(reply.json?["recommendationId"]?.stringValue?.count == 36)
                    // control serves the popular list, model the trained kNN.
                    #expect(reply.json?["strategy"] == .string(variant == "control" ? "popular" : "knn"), "\(reply.text)")
                    seen.insert(variant)
                }
            }
            #expect(seen == ["control", "model"])
            let counts = try await server.store.exposureCounts(of: ExperimentKey(unchecked: "rec-strategy"), in: .default)
            #expect(counts.values.reduce(0, +) == 40)
            let unknown = try await client.call(.get, "/v1/users/a1/recommendations?experiment=nope", key: TestServer.read)
            #expect(unknown.status == 404)
        }
    }

    @Test func stoppingSendsEveryoneToControlAndCannotBeUndone() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/experiments", body: Self.definition)
            let stop = try await client.call(.patch, "/v1/experiments/rec-strategy", body: #"{"status": "stopped"}"#)
            #expect(stop.status == 200, "\(stop.text)")
            #expect(stop.json?["stopReason"] == .string("stopped through the API"))
            for i in 0..<20 {
                let reply = try await client.call(.get, "/v1/experiments/rec-strategy/assignment?user=s\(i)", key: TestServer.read)
                #expect(reply.json?["variant"] == .string("control"))
                #expect(reply.json?["inExperiment"] == .bool(false))
                #expect(reply.json?["reason"] == .string("stopped"))
            }
            let restart = try await client.call(.patch, "/v1/experiments/rec-strategy", body: #"{"status": "running"}"#)
            #expect(restart.status == 409)
            let counts = try await server.store.exposureCounts(of: ExperimentKey(unchecked: "rec-strategy"), in: .default)
            #expect(counts.isEmpty, "a stopped experiment logs no exposure")
        }
    }

    @Test func draftsAndTargetingExcludeUnits() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let draft = try await client.call(
                .post, "/v1/experiments",
                body: #"{"key": "de-only", "variants": [{"key": "a"}, {"key": "b"}], "targeting": "user.country == \"DE\""}"#)
            #expect(draft.status == 201, "\(draft.text)")
            let early = try await client.call(.get, "/v1/experiments/de-only/assignment?user=x", key: TestServer.read)
            #expect(early.json?["reason"] == .string("not_running"))
            #expect(early.json?["variant"] == .null)
            _ = try await client.call(.patch, "/v1/experiments/de-only", body: #"{"status": "running"}"#)
            _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"userId": "berlin", "traits": {"country": "DE"}}"#)
            _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"userId": "paris", "traits": {"country": "FR"}}"#)
            let berlin = try await client.call(.get, "/v1/experiments/de-only/assignment?user=berlin", key: TestServer.read)
            let paris = try await client.call(.get, "/v1/experiments/de-only/assignment?user=paris", key: TestServer.read)
            #expect(berlin.json?["inExperiment"] == .bool(true))
            #expect(paris.json?["inExperiment"] == .bool(false))
            #expect(paris.json?["reason"] == .string("targeting"))
        }
    }

    @Test(arguments: [
        (#"{"key": "x"}"#, "variants"),
        (#"{"key": "bad key", "variants": [{"key": "a"}]}"#, "key"),
        (#"{"key": "x", "variants": [{"key": "a", "weight": 0.7}, {"key": "b", "weight": 0.7}]}"#, "variants"),
        (#"{"key": "x", "variants": [{"key": "a", "weight": 0.5}, {"key": "b"}]}"#, "variants"),
        (#"{"key": "x", "variants": [{"key": "a"}, {"key": "a"}]}"#, "variants[1].key"),
        (#"{"key": "x", "variants": [{"key": "a", "strategy": "magic"}]}"#, "variants[0].strategy"),
        (#"{"key": "x", "variants": [{"key": "a"}], "coverage": 1.5}"#, "coverage"),
        (#"{"key": "x", "variants": [{"key": "a"}], "targeting": "user.age >"}"#, "targeting"),
        (#"{"key": "x", "variants": [{"key": "a"}], "metrics": [{"name": "m", "kind": "ratio", "event": "click"}]}"#, "metrics[0].denominator"),
        (#"{"key": "x", "variants": [{"key": "a"}], "metrics": [{"name": "m", "kind": "median", "event": "click"}]}"#, "metrics[0].kind"),
        (#"{"key": "x", "variants": [{"key": "a"}], "status": "stopped"}"#, "status"),
        (#"{"key": "x", "variants": [{"key": "a"}], "layer": {"name": "l", "start": 0.5, "end": 0.2}}"#, "layer"),
        (#"{"key": "x", "variants": [{"key": "a"}], "surprise": 1}"#, "surprise"),
        (#"{"key": "x", "variants": [{"key": "a"}], "alpha": 0}"#, "alpha"),
    ])
    func invalidDefinitionsAreRefusedWithTheField(_ body: String, _ field: String) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(.post, "/v1/experiments", body: body)
            #expect(reply.status == 422, "\(body): \(reply.text)")
            #expect(reply.errorField == field, "\(body): \(reply.text)")
            let list = try await client.call(.get, "/v1/experiments")
            #expect(list.json?["experiments"] == .array([]))
        }
    }

    @Test func badRequestsGetClearErrors() async throws {
        let server = try TestServer()
        let cases: [(HTTPRequest.Method, String, String?, String?, Int)] = [
            (.post, "/v1/experiments", TestServer.admin, "{not json", 400),
            (.post, "/v1/experiments", TestServer.admin, Self.definition, 201),
            (.post, "/v1/experiments", TestServer.admin, Self.definition, 409),
            (.get, "/v1/experiments/missing", TestServer.admin, nil, 404),
            (.get, "/v1/experiments/missing/results", TestServer.admin, nil, 404),
            (.get, "/v1/experiments/rec-strategy/assignment", TestServer.read, nil, 422),
            (.get, "/v1/experiments/rec-strategy/assignment?user=a&user=b", TestServer.read, nil, 422),
            (.patch, "/v1/experiments/rec-strategy", TestServer.admin, #"{"coverage": 0.5}"#, 422),
            (.patch, "/v1/experiments/rec-strategy", TestServer.admin, #"{"status": "paused"}"#, 422),
            (.patch, "/v1/experiments/missing", TestServer.admin, #"{"status": "running"}"#, 404),
            (.get, "/v1/experiments/bad%20key", TestServer.admin, nil, 422),
            // Scopes: definitions and results are admin; assignment is read.
            (.post, "/v1/experiments", TestServer.write, Self.definition, 403),
            (.get, "/v1/experiments/rec-strategy/results", TestServer.read, nil, 403),
            (.get, "/v1/experiments/rec-strategy/assignment?user=u", TestServer.write, nil, 403),
            (.get, "/v1/experiments", nil, nil, 401),
            // Another workspace sees nothing.
            (.get, "/v1/experiments/rec-strategy", TestServer.otherAdmin, nil, 404),
        ]
        try await server.makeApplication().test(.router) { client in
            for (method, path, key, body, expected) in cases {
                let reply = try await client.call(method, path, key: key, body: body)
                #expect(reply.status == expected, "\(method) \(path): \(reply.text)")
                if expected >= 400 { #expect(reply.errorCode != nil, "\(method) \(path): \(reply.text)") }
            }
        }
    }

    @Test func anExperimentWithoutTrafficReportsNotEnoughDataWithoutNaN() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/experiments", body: Self.definition)
            let results = try await client.call(.get, "/v1/experiments/rec-strategy/results")
            #expect(results.status == 200, "\(results.text)")
            #expect(results.json?["results"]?["powerNotAvailable"] == .string("noTraffic"))
            #expect(!results.text.contains("NaN"))
            _ = try await client.call(.post, "/v1/experiments", body: #"{"key": "solo", "variants": [{"key": "only"}], "status": "running"}"#)
            _ = try await client.call(.get, "/v1/experiments/solo/assignment?user=u1", key: TestServer.read)
            let solo = try await client.call(.get, "/v1/experiments/solo/results")
            #expect(solo.status == 200, "\(solo.text)")
            #expect(solo.json?["results"]?["powerNotAvailable"] == .string("singleVariant"))
        }
    }

    @Test func resultsBreakDownBySegment() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/experiments", body: Self.definition)
            let segment = try await client.call(.post, "/v1/segments", body: #"{"name": "gold", "rule": "attributes.plan == \"gold\""}"#)
            #expect(segment.status == 201, "\(segment.text)")
            let id = try #require(segment.json?["id"]?.stringValue)
            for i in 0..<40 {
                if i % 4 == 0 {
                    _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"userId": "g\#(i)", "traits": {"plan": "gold"}}"#)
                }
                _ = try await client.call(.get, "/v1/experiments/rec-strategy/assignment?user=g\(i)", key: TestServer.read)
            }
            let all = try await client.call(.get, "/v1/experiments/rec-strategy/results")
            let gold = try await client.call(.get, "/v1/experiments/rec-strategy/results?segment=\(id)")
            #expect(gold.status == 200, "\(gold.text)")
            #expect(gold.json?["segment"] == .string(id))
            func units(_ reply: Reply) -> Double {
                guard case .array(let arms)? = reply.json?["results"]?["units"] else { return -1 }
                return arms.reduce(0) { total, arm in
                    if case .number(let n)? = arm["units"] { return total + n }
                    return total
                }
            }
            #expect(units(all) == 40)
            #expect(units(gold) == 10)
            let unknown = try await client.call(.get, "/v1/experiments/rec-strategy/results?segment=nope")
            #expect(unknown.status == 404)
        }
    }

    @Test func aSegmentTargetedExperimentEnrolsOnlyMembers() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let segment = try await client.call(.post, "/v1/segments", body: #"{"name": "gold", "rule": "attributes.plan == \"gold\""}"#)
            let id = try #require(segment.json?["id"]?.stringValue)
            let missing = try await client.call(
                .post, "/v1/experiments", body: #"{"key": "x", "variants": [{"key": "a"}, {"key": "b"}], "segment": "nope"}"#)
            #expect(missing.status == 422 && missing.errorField == "segment", "\(missing.text)")
            let created = try await client.call(
                .post, "/v1/experiments",
                body: #"{"key": "gold-only", "variants": [{"key": "a"}, {"key": "b"}], "status": "running", "segment": "\#(id)"}"#)
            #expect(created.status == 201, "\(created.text)")
            _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"userId": "rich", "traits": {"plan": "gold"}}"#)
            _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"userId": "poor", "traits": {"plan": "free"}}"#)
            let rich = try await client.call(.get, "/v1/experiments/gold-only/assignment?user=rich", key: TestServer.read)
            let poor = try await client.call(.get, "/v1/experiments/gold-only/assignment?user=poor", key: TestServer.read)
            #expect(rich.json?["inExperiment"] == .bool(true), "\(rich.text)")
            #expect(poor.json?["reason"] == .string("segment"), "\(poor.text)")
        }
    }

    /// Gold members convert on b, everyone else on a: a contextual bandit learns both.
    @Test func aContextualBanditLearnsASplitPerSegment() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let segment = try await client.call(.post, "/v1/segments", body: #"{"name": "gold", "rule": "attributes.plan == \"gold\""}"#)
            let id = try #require(segment.json?["id"]?.stringValue)
            let created = try await client.call(
                .post, "/v1/experiments",
                body: #"{"key": "ctx", "variants": [{"key": "a"}, {"key": "b"}], "status": "running", "allocation": "thompson", "banditContexts": ["\#(id)"]}"#)
            #expect(created.status == 201, "\(created.text)")
            var events: [String] = []
            for i in 0..<200 {
                let gold = i % 2 == 0
                if gold {
                    _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"userId": "c\#(i)", "traits": {"plan": "gold"}}"#)
                }
                let reply = try await client.call(.get, "/v1/experiments/ctx/assignment?user=c\(i)", key: TestServer.read)
                let variant = reply.json?["variant"]?.stringValue
                let converts = (gold && variant == "b") || (!gold && variant == "a") ? i % 10 < 5 : i % 20 == 1
                if converts { events.append(#"{"type": "purchase", "userId": "c\#(i)", "timestamp": 1767225700000}"#) }
            }
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"batch": [\#(events.joined(separator: ","))]}"#)
            let service = ExperimentService(store: server.store, clock: server.clock)
            #expect(try await service.updateBandits(in: .default, seed: 3).count == 1)
            let definition = try await service.experiment(ExperimentKey(unchecked: "ctx"), in: .default)
            let goldWeights = try #require(definition.banditContextWeights[id])
            let otherWeights = try #require(definition.banditContextWeights["*"])
            #expect(goldWeights[1] > 0.8, "gold: \(goldWeights)")
            #expect(otherWeights[0] > 0.8, "others: \(otherWeights)")
        }
    }
}
