import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird

/// `PUT /v1/users/{id}/consent` (write or admin keys: the tracker sets consent from the page) and
/// `GET /v1/users/{id}/consent` (admin: the history is personal data).
package struct ConsentController: Sendable {
    let service: ConsentService
    let limits: ServerLimits
    /// Whether pseudonymisation is on: then no user id may be an e-mail address or phone number.
    var refusesPersonalIDs = false

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.put("/v1/users/:id/consent", use: update)
        router.get("/v1/users/:id/consent", use: read)
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.write)
        let user = try context.identifier("id", as: UserID.self)
        if refusesPersonalIDs { try PersonalDataID.refuse(user.rawValue, field: "id") }
        let update = try ConsentUpdate.decode(try await request.jsonBody(limit: limits.maxSmallBodyBytes))
        let record = try await service.update(update, of: user, in: principal.workspace, actor: principal.keyID)
        return JSONResponse.make(ConsentRecord.json(record, user: user, policy: try service.policy(), history: false))
    }

    @Sendable func read(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let user = try context.identifier("id", as: UserID.self)
        let (record, policy) = try await service.record(of: user, in: principal.workspace)
        return JSONResponse.make(ConsentRecord.json(record, user: user, policy: policy, history: true))
    }
}
