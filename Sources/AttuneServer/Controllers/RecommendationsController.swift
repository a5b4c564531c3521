import AttuneCore
import AttuneEngine
import Hummingbird

/// `GET /v1/users/{id}/recommendations` and `GET /v1/items/{id}/similar`.
package struct RecommendationsController: Sendable {
    let service: RecommendationService

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/v1/users/:id/recommendations", use: forUser)
        router.get("/v1/items/:id/similar", use: similar)
    }

    @Sendable func forUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let user = try context.identifier("id", as: UserID.self)
        let parameters = try Self.parameters(request)
        let list = try await service.recommend(user: user, in: principal.workspace, request: parameters)
        return JSONResponse.make(Self.json(list, subject: ("userId", user.rawValue)))
    }

    @Sendable func similar(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let item = try context.identifier("id", as: ItemID.self)
        let parameters = try Self.parameters(request)
        guard let list = try await service.similar(to: item, in: principal.workspace, request: parameters) else {
            throw AttuneError.notFound("item in the served model")
        }
        return JSONResponse.make(Self.json(list, subject: ("itemId", item.rawValue)))
    }

    static func parameters(_ request: Request) throws(AttuneError) -> RecommendationRequest {
        var parameters = RecommendationRequest()
        if let raw = QueryParameters.string(request, "count") {
            guard let count = Int(raw), (1...RecommendationService.maxCount).contains(count) else {
                throw .invalid("count", "must be an integer from 1 to \(RecommendationService.maxCount)")
            }
            parameters.count = count
        }
        if let raw = QueryParameters.string(request, "exclude") {
            let ids = raw.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
            guard ids.count <= 1_000 else { throw .invalid("exclude", "lists at most 1000 ids") }
            var exclude = Set<ItemID>()
            for id in ids { exclude.insert(try ItemID.validated(id, field: "exclude")) }
            parameters.exclude = exclude
        }
        if let raw = QueryParameters.string(request, "category") {
            parameters.category = try ItemDecoder.validLabel(raw, field: "category")
        }
        if let raw = QueryParameters.string(request, "available_only") {
            guard let flag = Bool(raw) else { throw .invalid("available_only", "must be true or false") }
            parameters.availableOnly = flag
        }
        if let raw = QueryParameters.string(request, "strategy"), raw != "default" {
            throw .invalid("strategy", "unknown strategy; only the served model (\"default\") is available")
        }
        return parameters
    }

    static func json(_ list: RecommendationList, subject: (String, String)) -> JSONValue {
        .object([
            (subject.0, .string(subject.1)),
            ("strategy", .string(list.strategy)),
            ("modelVersion", list.modelVersion.map { .number(Double($0)) } ?? .null),
            ("items", .array(list.items.map { r in
                .object([("itemId", .string(r.item.rawValue)), ("score", .number(r.score)), ("reason", .string(r.reason))])
            })),
        ])
    }
}
