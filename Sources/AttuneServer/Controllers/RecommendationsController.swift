import AttuneCore
import AttuneEngine
import Foundation
import Hummingbird

/// `GET /v1/users/{id}/recommendations` and `GET /v1/items/{id}/similar`.
package struct RecommendationsController: Sendable {
    let service: RecommendationService
    /// Routes `?experiment=KEY` requests to the variant's strategy; `nil` refuses the parameter.
    var experiments: ExperimentService?

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/v1/users/:id/recommendations", use: forUser)
        router.get("/v1/items/:id/similar", use: similar)
        router.post("/v1/recommendations", use: batch)
        router.get("/v1/items/:id/audience", use: audience)
    }

    static let maxAudience = 10_000

    /// The users most likely to want an item, best first, for campaigns.
    @Sendable func audience(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let item = try context.identifier("id", as: ItemID.self)
        var count = 100
        if let raw = try QueryParameters.string(request, "count") {
            guard let n = Int(raw), (1...Self.maxAudience).contains(n) else {
                throw AttuneError.invalid("count", "must be an integer from 1 to \(Self.maxAudience)")
            }
            count = n
        }
        guard let found = try await service.audience(of: item, in: principal.workspace, count: count) else {
            throw AttuneError.notFound("item in the served model")
        }
        return JSONResponse.make(.object([
            ("itemId", .string(item.rawValue)),
            ("modelVersion", .number(Double(found.modelVersion))),
            ("users", .array(found.users.map { .object([("userId", .string($0.user.rawValue)), ("score", .number($0.score))]) })),
        ]))
    }

    static let maxBatchUsers = 1_000

    /// `{"users": [...], "count": 10, "exclude": [...], "category": "...", "availableOnly": true}`:
    /// one list per user, for e-mail campaigns; invalid user ids are reported by index.
    @Sendable func batch(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let body = try await request.jsonBody(limit: 1 << 20)
        guard let members = body.objectMembers else { throw AttuneError.invalid("", "body must be a JSON object") }
        let known: Set<String> = [
            "users", "count", "exclude", "category", "availableOnly", "filter", "boosts", "diversity", "strategy", "exploration",
        ]
        for member in members where !known.contains(member.key) { throw AttuneError.invalid(member.key, "unknown field") }
        guard case .array(let users)? = body["users"] else { throw AttuneError.invalid("users", "must be an array of user ids") }
        guard !users.isEmpty else { throw AttuneError.invalid("users", "must not be empty") }
        guard users.count <= Self.maxBatchUsers else {
            throw AttuneError.tooLarge("a batch holds at most \(Self.maxBatchUsers) users")
        }
        var parameters = RecommendationRequest()
        switch body["count"] {
        case nil, .null?: break
        case .number(let n)? where n == n.rounded() && n >= 1 && n <= Double(RecommendationService.maxCount):
            parameters.count = Int(n)
        default: throw AttuneError.invalid("count", "must be an integer from 1 to \(RecommendationService.maxCount)")
        }
        switch body["exclude"] {
        case nil, .null?: break
        case .array(let ids)? where ids.count <= 1_000:
            for (i, id) in ids.enumerated() {
                guard let value: ItemID = try EventDecoder.identifier(id, field: "exclude[\(i)]") else {
                    throw AttuneError.invalid("exclude[\(i)]", "must be an item id")
                }
                parameters.exclude.insert(value)
            }
        default: throw AttuneError.invalid("exclude", "must be an array of at most 1000 item ids")
        }
        switch body["category"] {
        case nil, .null?: break
        case .string(let c)?: parameters.category = try ItemDecoder.validLabel(c, field: "category")
        default: throw AttuneError.invalid("category", "must be a string")
        }
        switch body["availableOnly"] {
        case nil, .null?: break
        case .bool(let b)?: parameters.availableOnly = b
        default: throw AttuneError.invalid("availableOnly", "must be a boolean")
        }
        switch body["filter"] {
        case nil, .null?: break
        case .string(let rule)?: parameters.rules.filter = try ItemRules.compile(rule, field: "filter")
        default: throw AttuneError.invalid("filter", "must be a rule (a string)")
        }
        switch body["boosts"] {
        case nil, .null?: break
        case .array(let boosts)? where boosts.count <= ItemRules.maxBoosts:
            for (i, boost) in boosts.enumerated() {
                guard case .string(let rule)? = boost["rule"], case .number(let factor)? = boost["factor"],
                    factor > 0, factor <= 1_000, boost.objectMembers?.count == 2
                else {
                    throw AttuneError.invalid("boosts[\(i)]", "must be {\"rule\": \"...\", \"factor\": number in (0, 1000]}")
                }
                parameters.rules.boosts.append(
                    ItemRules.Boost(rule: try ItemRules.compile(rule, field: "boosts[\(i)].rule"), factor: factor))
            }
        default: throw AttuneError.invalid("boosts", "must be an array of at most \(ItemRules.maxBoosts) boosts")
        }
        switch body["diversity"] {
        case nil, .null?: break
        case .number(let d)? where d >= 0 && d <= 1: parameters.diversity = Float(d)
        default: throw AttuneError.invalid("diversity", "must be a number from 0 to 1")
        }
        switch body["exploration"] {
        case nil, .null?: break
        case .number(let e)? where e >= 0 && e <= 0.5: parameters.exploration = Float(e)
        default: throw AttuneError.invalid("exploration", "must be a number from 0 to 0.5")
        }
        switch body["strategy"] {
        case nil, .null?: break
        case .string(let raw)?:
            guard let strategy = RecommendationRequest.Strategy(rawValue: raw) else {
                throw AttuneError.invalid("strategy", "unknown strategy")
            }
            parameters.strategy = strategy
        default: throw AttuneError.invalid("strategy", "must be a string")
        }
        var results: [JSONValue] = []
        var rejected: [JSONValue] = []
        for (index, raw) in users.enumerated() {
            do {
                guard let user: UserID = try EventDecoder.identifier(raw, field: "users[\(index)]") else {
                    throw AttuneError.invalid("users[\(index)]", "must be a user id")
                }
                let list = try await service.recommend(user: user, in: principal.workspace, request: parameters)
                results.append(Self.json(list, subject: ("userId", user.rawValue)))
            } catch let error as AttuneError {
                rejected.append(.object([("index", .number(Double(index))), ("error", Rendering.json(error))]))
            }
        }
        return JSONResponse.make(.object([("results", .array(results)), ("rejected", .array(rejected))]))
    }

    @Sendable func forUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let user = try context.identifier("id", as: UserID.self)
        let query = ParsedQuery(request)
        var parameters = try Self.parameters(query)
        var assignment: ExperimentAssignment?
        if let raw = try query.string("experiment") {
            guard let experiments else { throw AttuneError.invalid("experiment", "experiments are not enabled") }
            let key = try ExperimentKey.validated(raw, field: "experiment")
            let assigned = try await experiments.assign(key, unit: user, in: principal.workspace)
            if let name = assigned.strategy, let strategy = RecommendationRequest.Strategy(rawValue: name) {
                parameters.strategy = strategy
            }
            assignment = assigned
        }
        let list = try await service.recommend(user: user, in: principal.workspace, request: parameters)
        return RecommendationBody.response(
            list, subject: ("userId", user.rawValue), recommendationId: Self.newRecommendationId(), assignment: assignment)
    }

    @Sendable func similar(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let item = try context.identifier("id", as: ItemID.self)
        let parameters = try Self.parameters(request)
        guard let list = try await service.similar(to: item, in: principal.workspace, request: parameters) else {
            throw AttuneError.notFound("item in the served model")
        }
        return RecommendationBody.response(list, subject: ("itemId", item.rawValue), recommendationId: Self.newRecommendationId())
    }

    static func parameters(_ request: Request) throws(AttuneError) -> RecommendationRequest {
        try parameters(ParsedQuery(request))
    }

    static func parameters(_ query: ParsedQuery) throws(AttuneError) -> RecommendationRequest {
        var parameters = RecommendationRequest()
        if let raw = try query.string("count") {
            guard let count = Int(raw), (1...RecommendationService.maxCount).contains(count) else {
                throw .invalid("count", "must be an integer from 1 to \(RecommendationService.maxCount)")
            }
            parameters.count = count
        }
        if let raw = try query.string("exclude") {
            let ids = raw.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
            guard ids.count <= 1_000 else { throw .invalid("exclude", "lists at most 1000 ids") }
            var exclude = Set<ItemID>()
            for id in ids { exclude.insert(try ItemID.validated(id, field: "exclude")) }
            parameters.exclude = exclude
        }
        if let raw = try query.string("category") {
            parameters.category = try ItemDecoder.validLabel(raw, field: "category")
        }
        if let raw = try query.string("available_only") {
            guard let flag = Bool(raw) else { throw .invalid("available_only", "must be true or false") }
            parameters.availableOnly = flag
        }
        if let raw = try query.string("strategy") {
            guard let strategy = RecommendationRequest.Strategy(rawValue: raw) else {
                let known = RecommendationRequest.Strategy.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                throw .invalid("strategy", "unknown strategy; use one of \(known)")
            }
            parameters.strategy = strategy
        }
        if let raw = try query.string("filter") {
            parameters.rules.filter = try ItemRules.compile(raw, field: "filter")
        }
        let boosts = query.strings("boost")
        guard boosts.count <= ItemRules.maxBoosts else { throw .invalid("boost", "at most \(ItemRules.maxBoosts) boosts") }
        for raw in boosts { parameters.rules.boosts.append(try ItemRules.boost(raw, field: "boost")) }
        if let raw = try query.string("segment") {
            parameters.segment = try SegmentID.validated(raw, field: "segment")
        }
        if let raw = try query.string("diversity") {
            guard let value = Float(raw), value >= 0, value <= 1 else {
                throw .invalid("diversity", "must be a number from 0 to 1")
            }
            parameters.diversity = value
        }
        if let raw = try query.string("exploration") {
            guard let value = Float(raw), value >= 0, value <= 0.5 else {
                throw .invalid("exploration", "must be a number from 0 to 0.5")
            }
            parameters.exploration = value
        }
        return parameters
    }

    /// A list as JSON. `recommendationId` is fresh per list: clients echo it in the properties of
    /// the impression and click events they send, which is what ties a click to the list it came
    /// from when click-through rates are compared between variants.
    static func json(
        _ list: RecommendationList, subject: (String, String), assignment: ExperimentAssignment? = nil,
        recommendationId: String = newRecommendationId()
    ) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            (subject.0, .string(subject.1)),
            ("recommendationId", .string(recommendationId)),
            ("strategy", .string(list.strategy)),
            ("modelVersion", list.modelVersion.map { .number(Double($0)) } ?? .null),
            ("items", .array(list.items.map { r in
                r.exploration
                    ? .object([
                        ("itemId", .string(r.item.rawValue)), ("score", .number(r.score)), ("reason", .string(r.reason)),
                        ("exploration", .bool(true)),
                    ])
                    : .object([("itemId", .string(r.item.rawValue)), ("score", .number(r.score)), ("reason", .string(r.reason))])
            })),
        ]
        if let assignment {
            members.append(("experiment", .object([
                ("key", .string(assignment.experiment.rawValue)),
                ("variant", assignment.variantKey.map(JSONValue.string) ?? .null),
                ("inExperiment", .bool(assignment.enrolled)),
            ])))
        }
        return .object(members)
    }

    /// A random version-4 UUID, lowercase. Not Foundation's `UUID()`: on Linux that opens, reads
    /// and closes /dev/urandom for every id (three system calls per response, seen with strace).
    static func newRecommendationId() -> String { EventID.random().uuidString }
}
