import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation
import Hummingbird

/// Experiments: definitions (admin), assignment (read scope, for serving code), results (admin).
package struct ExperimentsController: Sendable {
    let service: ExperimentService
    /// Whether pseudonymisation is on: then no unit may be an e-mail address or phone number
    /// (the exposure log keeps the unit id as given).
    var refusesPersonalIDs = false

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/v1/experiments", use: create)
        router.get("/v1/experiments", use: list)
        router.get("/v1/experiments/:key", use: get)
        router.patch("/v1/experiments/:key", use: update)
        router.get("/v1/experiments/:key/assignment", use: assignment)
        router.get("/v1/experiments/:key/results", use: results)
    }

    static let maxDefinitionBytes = 64 << 10

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let body = try await request.jsonBody(limit: Self.maxDefinitionBytes)
        let created = try await service.create(body, in: principal.workspace)
        return JSONResponse.make(created.json, status: .created)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let page = try KeyedPage(try await service.experiments(in: principal.workspace), key: \.key.rawValue, request: request)
        return JSONResponse.make(.object([("experiments", .array(page.elements.map(\.json))), ("nextCursor", page.nextCursor)]))
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        return JSONResponse.make(try await service.experiment(try Self.key(context), in: principal.workspace).json)
    }

    /// `{"status": "running" | "stopped"}`: the only change allowed once created, because weights,
    /// seed or metrics changed mid-run would mix two experiments in one analysis.
    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let key = try Self.key(context)
        let body = try await request.jsonBody(limit: 4_096)
        guard let members = body.objectMembers else { throw AttuneError.invalid("", "body must be a JSON object") }
        for member in members where member.key != "status" {
            throw AttuneError.invalid(member.key, "only status can change after creation")
        }
        guard case .string(let raw)? = body["status"] else { throw AttuneError.missing("status") }
        guard let status = ExperimentStatus(rawValue: raw) else {
            throw AttuneError.invalid("status", "must be \"draft\", \"running\" or \"stopped\"")
        }
        let updated = try await service.setStatus(status, of: key, in: principal.workspace, reason: status == .stopped ? "stopped through the API" : nil)
        return JSONResponse.make(updated.json)
    }

    @Sendable func assignment(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let key = try Self.key(context)
        guard let raw = try QueryParameters.string(request, "user") else { throw AttuneError.missing("user") }
        let user = try UserID.validated(raw, field: "user")
        if refusesPersonalIDs { try PersonalDataID.refuse(user.rawValue, field: "user") }
        return JSONResponse.make(try await service.assign(key, unit: user, in: principal.workspace).json)
    }

    @Sendable func results(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let segment = try QueryParameters.string(request, "segment").map { raw throws(AttuneError) in
            try SegmentID.validated(raw, field: "segment")
        }
        let results = try await service.results(of: try Self.key(context), in: principal.workspace, segment: segment)
        let definition = results.definition
        return JSONResponse.make(.object([
            ("experiment", .string(definition.key.rawValue)), ("status", .string(definition.status.rawValue)),
            ("segment", segment.map { .string($0.rawValue) } ?? .null),
            ("computedAt", .string(results.computedAt.iso8601)),
            ("results", results.report.json(variants: definition.variants.map(\.key))),
            ("actions", .array(results.actions.map { a in
                .object([("action", .string(a.action)), ("evidence", .string(a.evidence)), ("at", .string(a.time.iso8601))])
            })),
        ]))
    }

    static func key(_ context: AppRequestContext) throws(AttuneError) -> ExperimentKey {
        guard let raw = context.parameters.get("key") else { throw AttuneError.missing("key") }
        let text = raw.contains("%") ? (raw.removingPercentEncoding ?? raw) : raw
        return try ExperimentKey.validated(text, field: "key")
    }
}
